// Cases where `validate` differed from Ralph 5.1.0 outside the valid share (verdicts below were
// measured with the real `ralph validate --format edx`; the recorded line-level comparison is
// test/convert/ralph/ralph-lines.test.ts). Each rule lives in the domain, so the CLI and the
// validate service give the same verdict.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  EDX_ISSUE,
  EDX_PARSE_ISSUE,
  parseEdxLine,
  validateEdxEvent,
  validateEdxRecord,
} from '../../src/edx/index.js';
import { isEdxDatetime } from '../../src/edx/formats.js';
import type { EdxValidationMode } from '../../src/edx/index.js';
import { ralphDatetime } from '../../src/convert/ralph/pydantic.js';
import { baseEvent } from './fixtures.js';
import type { Json } from './fixtures.js';

const MODES: EdxValidationMode[] = ['strict', 'lenient'];

function pageClose(changes: Record<string, Json>): string {
  return JSON.stringify({ ...baseEvent('UIPageClose'), ...changes });
}

/** Verdict of one line as `validate` (and the validate service) gives it: parse, then validate. */
function verdict(line: string, mode: EdxValidationMode): string {
  const parsed = parseEdxLine(line);
  if (!parsed.ok) return `parse:${parsed.issue.code}`;
  const result = validateEdxEvent(parsed.event, { mode });
  return result.status === 'valid'
    ? 'valid'
    : `${result.status}:${result.issues.map((i) => `${i.code}@${i.pointer}`).join(',')}`;
}

describe('a UTF-8 byte order mark before the JSON', () => {
  it('is refused, as Ralph (json.loads) and `convert` refuse it', () => {
    const line = pageClose({});
    for (const mode of MODES) {
      assert.equal(verdict(line, mode), 'valid');
      assert.equal(verdict(`\ufeff${line}`, mode), `parse:${EDX_PARSE_ISSUE.bom}`);
      assert.equal(verdict(`\ufeff  ${line}`, mode), `parse:${EDX_PARSE_ISSUE.bom}`);
      assert.equal(verdict(`  \ufeff${line}`, mode), `parse:${EDX_PARSE_ISSUE.bom}`);
    }
  });
});

describe('time with a comma as decimal separator', () => {
  it('is accepted, as pydantic (and the ralph profile) accept it', () => {
    for (const mode of MODES) {
      assert.equal(verdict(pageClose({ time: '2024-03-04T06:00:14,123Z' }), mode), 'valid');
      assert.equal(verdict(pageClose({ time: '2024-03-04 06:00:14,1234567' }), mode), 'valid');
      assert.notEqual(verdict(pageClose({ time: '2024-03-04T06:00:14,Z' }), mode), 'valid');
      assert.notEqual(verdict(pageClose({ time: '2024-03-04T06:00,5Z' }), mode), 'valid');
    }
  });

  it('validate and convert share one datetime definition', () => {
    const samples = [
      '2024-03-04T06:00:14,123Z',
      '2024-03-04T06:00:14.123Z',
      '2023-05-01T12:34:56+0100',
      '2023-05-01',
      '2023-05-01T12',
      '0000-01-01T00:00:00',
      '2023-02-29T00:00:00',
      '1700000000',
      '-1',
      '+5',
      '.5',
      '5.',
      '99999999999999999999',
      ' 2023-05-01',
      'not a date',
      '',
    ];
    for (const text of samples) {
      assert.equal(isEdxDatetime(text), ralphDatetime(text) !== undefined, text);
    }
  });
});

describe('ip given as a JSON boolean', () => {
  it('is accepted, as pydantic reads true / false as the integers 1 / 0 (0.0.0.1 / 0.0.0.0)', () => {
    for (const mode of MODES) {
      for (const ip of [true, false, 1, 4294967295]) {
        assert.equal(verdict(pageClose({ ip }), mode), 'valid', `${mode} ${String(ip)}`);
      }
      for (const ip of [-1, 4294967296, 1.5, '1', null]) {
        assert.notEqual(verdict(pageClose({ ip }), mode), 'valid', `${mode} ${String(ip)}`);
      }
    }
  });
});

describe('escaped lone surrogates', () => {
  const valid = pageClose({});
  const cases: [string, string][] = [
    [valid.replace('"username":"edx"', '"username":"\\ud800user"'), '/username'],
    [valid.replace('/courseware/a/b/"', '/courseware/a/b/\\udc00"'), '/page'],
    [valid.replace('"k1":"abc"', '"k1":"a\\uDBFFc"'), '/context/course_user_tags/k1'],
  ];

  it('are refused wherever they are, as pydantic refuses them (surrogates are not text)', () => {
    for (const mode of MODES) {
      assert.equal(verdict(valid, mode), 'valid');
      for (const [line, pointer] of cases) {
        assert.equal(verdict(line, mode), `invalid:${EDX_ISSUE.surrogate}@${pointer}`, `${mode} ${pointer}`);
      }
    }
  });

  it('in an object key they are accepted, as Ralph accepts them (context.course_user_tags)', () => {
    for (const mode of MODES) {
      assert.equal(verdict(valid.replace('"k1":"abc"', '"k\\ud800":"abc"'), mode), 'valid');
    }
  });

  it('a surrogate pair, escaped or not, is text', () => {
    for (const mode of MODES) {
      assert.equal(verdict(valid.replace('"username":"edx"', '"username":"\\ud83d\\ude00x"'), mode), 'valid');
      assert.equal(verdict(valid.replace('"username":"edx"', '"username":"😀x"'), mode), 'valid');
    }
  });

  it('are found in events given as objects too', () => {
    const result = validateEdxRecord({ ...baseEvent('UIPageClose'), agent: 'a\ud800' }, { mode: 'lenient' });
    assert.equal(result.status, 'invalid');
    assert.deepEqual(
      result.issues.map((i) => `${i.code}@${i.pointer}`),
      [`${EDX_ISSUE.surrogate}@/agent`],
    );
  });
});
