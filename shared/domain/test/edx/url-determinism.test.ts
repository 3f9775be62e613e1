// URL formats must give the same verdict whatever came before: on Node 20, URL.canParse answered
// false for hosts with Latin-1 letters once its call site was hot, so a valid page_close was
// accepted as line 1 and rejected as line 2502 (Ralph accepts both).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseEdxLine, validateEdxEvent } from '../../src/edx/index.js';
import type { EdxValidationMode } from '../../src/edx/index.js';
import { isEdxHttpUrl, isEdxUrl } from '../../src/edx/formats.js';
import { baseEvent } from './fixtures.js';

function verdict(line: string, mode: EdxValidationMode): string {
  const parsed = parseEdxLine(line);
  if (!parsed.ok) return `parse:${parsed.issue.code}`;
  const result = validateEdxEvent(parsed.event, { mode });
  return result.status === 'valid' ? 'valid' : `${result.status}:${result.issues[0]?.code ?? ''}`;
}

describe('URL checks do not depend on history (Node 20 URL.canParse fast path)', () => {
  const urls = [
    'https://université.example/cours/1',
    'http://münchen.example/',
    'https://ÿ.example/a?b=ç#é',
    'https://例え.jp/',
  ];
  it('isEdxUrl / isEdxHttpUrl give the same answer on 10,000 calls', () => {
    for (const url of urls) {
      for (const check of [isEdxUrl, isEdxHttpUrl]) {
        const answers = new Set<boolean>();
        for (let i = 0; i < 10_000; i++) answers.add(check(url));
        assert.deepEqual([...answers], [true], `${check.name}(${url})`);
      }
    }
  });

  it('a page_close with a Latin-1 host is valid on every one of 10,000 validations', () => {
    const line = JSON.stringify({ ...baseEvent('UIPageClose'), page: 'https://université.example/cours/1' });
    for (const mode of ['strict', 'lenient'] as const) {
      const seen = new Map<string, number>();
      for (let i = 0; i < 10_000; i++) {
        const v = verdict(line, mode);
        seen.set(v, (seen.get(v) ?? 0) + 1);
      }
      assert.deepEqual([...seen], [['valid', 10_000]], mode);
    }
  });

  it('non-URLs stay invalid', () => {
    for (const text of ['not a url', 'https://exa mple.org/', 'université.example/x', '']) {
      assert.equal(isEdxUrl(text), false, text);
      assert.equal(isEdxHttpUrl(text), false, text);
    }
    assert.equal(isEdxHttpUrl('ftp://université.example/'), false);
    assert.equal(isEdxUrl('ftp://université.example/'), true);
  });
});
