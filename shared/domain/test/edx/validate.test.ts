import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EDX_ISSUE, EDX_MODELS, selectEdxModel, validateEdxRecord } from '../../src/edx/index.js';
import type { EdxValidationMode, EdxValidationResult } from '../../src/edx/index.js';
import { baseEvent, edited } from './fixtures.js';
import type { JsonObject } from './fixtures.js';

function check(event: unknown, mode: EdxValidationMode = 'strict'): EdxValidationResult {
  return validateEdxRecord(event, { mode });
}

/** `code@pointer` of every issue, sorted. */
function found(event: unknown, mode: EdxValidationMode = 'strict'): string[] {
  return check(event, mode)
    .issues.map((i) => `${i.code}@${i.pointer}`)
    .sort();
}

const C = EDX_ISSUE;

describe('EDX_MODELS', () => {
  it('lists the 105 Ralph models over 102 event types in 18 families', () => {
    assert.equal(EDX_MODELS.length, 105);
    assert.equal(new Set(EDX_MODELS.map((m) => m.name)).size, 105);
    assert.equal(new Set(EDX_MODELS.filter((m) => m.eventType).map((m) => m.eventType)).size, 102);
    assert.equal(new Set(EDX_MODELS.map((m) => m.family)).size, 18);
    const server = EDX_MODELS.filter((m) => m.eventType === null);
    assert.deepEqual(
      server.map((m) => [m.name, m.selectedBy]),
      [['Server', 'event_type equals context.path']],
    );
  });
});

describe('every model: the generated example validates in both modes', () => {
  for (const model of EDX_MODELS) {
    it(model.name, () => {
      for (const mode of ['strict', 'lenient'] as const) {
        const r = check(baseEvent(model.name), mode);
        assert.deepEqual(r.issues, [], `${model.name} ${mode}`);
        assert.equal(r.status, 'valid');
        assert.equal(r.model, model.name);
      }
    });
  }
});

describe('each family: a payload error is caught where it is', () => {
  const cases: [family: string, model: string, path: (string | number)[], value: unknown, code: string][] = [
    ['bookmark', 'EdxBookmarkAdded', ['event', 'component_type'], 'quiz', C.fieldValue],
    ['certificate', 'EdxCertificateCreated', ['event', 'certificate_id'], 'not-a-uuid', C.fieldValue],
    ['cohort', 'EdxCohortCreated', ['event', 'cohort_id'], 'abc', C.fieldValue],
    ['content-library', 'EdxLibraryContentBlockContentAssigned', ['event', 'max_count'], 0, C.fieldValue],
    ['completion', 'EdxDoneToggled', ['event', 'done'], 'maybe', C.fieldValue],
    ['drag-and-drop', 'EdxDragAndDropV2ItemDropped', ['event', 'is_correct'], 2, C.fieldValue],
    ['enrollment', 'EdxCourseEnrollmentActivated', ['event', 'mode'], 'gold', C.fieldValue],
    ['navigational', 'UISeqGoto', ['event', 'id'], 'block-v1:bad', C.fieldValue],
    ['notes', 'UIEdxCourseStudentNotesSearched', ['event', 'search_string'], undefined, C.fieldMissing],
    ['open-response-assessment', 'ORAPeerAssess', ['event', 'score_type'], 'XX', C.fieldValue],
    ['peer-instruction', 'PeerInstructionOriginalSubmitted', ['event', 'truncated'], null, C.fieldValue],
    ['poll', 'XBlockPollSubmitted', ['event', 'choice'], null, C.fieldType],
    [
      'problem-interaction',
      'ShowAnswer',
      ['event', 'problem_id'],
      'block-v1:x+y+z+type@html+block@0',
      C.fieldValue,
    ],
    ['server', 'Server', ['event', 'GET'], [], C.fieldType],
    ['survey', 'XBlockSurveySubmitted', ['event', 'choices'], [], C.fieldType],
    ['teams', 'EdxTeamChanged', ['event', 'truncated'], ['a', 'b', 'c'], C.fieldValue],
    ['textbook', 'UITextbookPdfZoomMenuChanged', ['event', 'amount'], '7', C.fieldValue],
    ['video', 'UIPlayVideo', ['event', 'currentTime'], -1, C.fieldValue],
  ];
  it('covers every family', () => {
    assert.deepEqual(new Set(cases.map((c) => c[0])), new Set(EDX_MODELS.map((m) => m.family)));
  });
  for (const [family, model, path, value, code] of cases) {
    it(`${family}: ${model} /${path.join('/')}`, () => {
      const op = value === undefined ? { path } : { path, value: value as JsonObject[string] };
      for (const mode of ['strict', 'lenient'] as const) {
        const r = check(edited(baseEvent(model), op), mode);
        assert.equal(r.status, 'invalid');
        assert.equal(r.model, model);
        assert.deepEqual(
          r.issues.map((i) => `${i.code}@${i.pointer}`),
          [`${code}@/${path.join('/')}`],
        );
      }
    });
  }
});

describe('strict versus lenient', () => {
  const play = baseEvent('UIPlayVideo');
  const check3 = baseEvent('ProblemCheck');

  it('strict rejects unknown fields at every level, lenient accepts them', () => {
    const event = edited(
      check3,
      { path: ['extra'], value: 1 },
      { path: ['context', 'client_id'], value: null },
      { path: ['event', 'state', 'extra'], value: {} },
      { path: ['a/b~c'], value: 'x' },
    );
    assert.deepEqual(found(event), [
      `${C.fieldUnknown}@/a~1b~0c`,
      `${C.fieldUnknown}@/context/client_id`,
      `${C.fieldUnknown}@/event/state/extra`,
      `${C.fieldUnknown}@/extra`,
    ]);
    assert.equal(check(event, 'lenient').status, 'valid');
  });

  it('video payloads may carry extra fields in both modes, as in Ralph', () => {
    const event = edited(play, { path: ['event', 'duration'], value: 12 });
    assert.equal(check(event).status, 'valid');
  });

  it('IPv6 is invalid in strict (Ralph models IPv4 only) and valid in lenient', () => {
    const event = edited(play, { path: ['ip'], value: '2001:db8::1' });
    const strict = check(event);
    assert.equal(strict.status, 'invalid');
    assert.deepEqual(strict.issues[0], {
      code: C.fieldValue,
      message: strict.issues[0]!.message,
      pointer: '/ip',
      expected: 'IPv4 address or empty string',
      got: 'string (11 chars)',
    });
    assert.equal(check(event, 'lenient').status, 'valid');
  });

  it('lenient still checks types and required fields', () => {
    const event = edited(play, { path: ['time'] }, { path: ['event', 'code'], value: null });
    assert.deepEqual(found(event, 'lenient'), [`${C.fieldMissing}@/time`, `${C.fieldType}@/event/code`]);
  });
});

describe('issue precision', () => {
  const check3 = baseEvent('ProblemCheck');

  it('names the missing field and what it should hold', () => {
    const r = check(edited(baseEvent('EdxCourseEnrollmentActivated'), { path: ['event', 'mode'] }));
    assert.deepEqual(r.issues, [
      {
        code: C.fieldMissing,
        message: r.issues[0]!.message,
        pointer: '/event/mode',
        expected: '"audit" | "honor" | "professional" | "verified"',
        got: 'nothing',
      },
    ]);
  });

  it('points inside optional objects rather than at the union', () => {
    const r = check(
      edited(check3, {
        path: ['context', 'module'],
        value: { usage_key: 'block-v1:bad', display_name: 'x' },
      }),
    );
    assert.deepEqual(
      r.issues.map((i) => [i.pointer, i.expected]),
      [['/context/module/usage_key', 'usage key (block-v1:...)']],
    );
  });

  it('points at the bad item of a string-or-list answer, and at bad answer keys', () => {
    const answers = (check3.event as JsonObject).answers as JsonObject;
    const key = Object.keys(answers)[0]!;
    const r = check(edited(check3, { path: ['event', 'answers', key], value: ['a', null] }));
    assert.deepEqual(
      r.issues.map((i) => `${i.code}@${i.pointer}`),
      [`${C.fieldType}@/event/answers/${key}/1`],
    );
    const badKey = check(edited(check3, { path: ['event', 'answers', 'not-a-key'], value: 'a' }));
    assert.deepEqual(
      badKey.issues.map((i) => `${i.code}@${i.pointer}`),
      [`${C.fieldName}@/event/answers/not-a-key`],
    );
  });

  it('describes values by type only', () => {
    const r = check(edited(baseEvent('UIPlayVideo'), { path: ['username'], value: 'x'.repeat(31) }));
    assert.equal(r.issues[0]!.got, 'string (31 chars)');
    assert.ok(!JSON.stringify(r.issues).includes('x'.repeat(31)));
  });
});

describe('pydantic lax coercions Ralph accepts', () => {
  const cohort = baseEvent('EdxCohortUserAdded');
  const valid: [string, (string | number)[], unknown][] = [
    ['numeric string for int', ['event', 'cohort_id'], '12'],
    ['whole float for int', ['event', 'user_id'], 3.0],
    ['number for string', ['event', 'name'], 42],
    ['user_id as string', ['context', 'user_id'], '6'],
    ['user_id empty', ['context', 'user_id'], ''],
    ['user_id null', ['context', 'user_id'], null],
    ['space-separated datetime', ['time'], '2020-07-14 14:39:26'],
    ['date only', ['time'], '2020-07-14'],
    ['unix timestamp', ['time'], 1600000000],
  ];
  for (const [label, path, value] of valid) {
    it(`accepts ${label}`, () => {
      assert.equal(check(edited(cohort, { path, value: value as JsonObject[string] })).status, 'valid');
    });
  }
  const invalid: [string, (string | number)[], unknown][] = [
    ['fractional int', ['event', 'cohort_id'], 1.5],
    ['user_id word', ['context', 'user_id'], 'abc'],
    ['impossible date', ['time'], '2023-02-29T00:00:00Z'],
    ['hour offset only', ['time'], '2020-07-14T14:39:26+05'],
    ['leading-zero IPv4', ['ip'], '01.2.3.4'],
    ['ftp referer', ['referer'], 'ftp://example.org/'],
    ['bool for string', ['agent'], true],
  ];
  for (const [label, path, value] of invalid) {
    it(`rejects ${label}`, () => {
      assert.equal(check(edited(cohort, { path, value: value as JsonObject[string] })).status, 'invalid');
    });
  }
});

describe('payload encodings', () => {
  const play = baseEvent('UIPlayVideo');

  it('accepts a JSON-encoded payload and validates its content', () => {
    assert.equal(check({ ...play, event: JSON.stringify(play.event) }).status, 'valid');
    const bad = check({ ...play, event: JSON.stringify({ ...(play.event as JsonObject), currentTime: -2 }) });
    assert.deepEqual(
      bad.issues.map((i) => i.pointer),
      ['/event/currentTime'],
    );
  });

  it('reports a payload string that is not JSON once, at /event', () => {
    const r = check({ ...play, event: '{"id": "a", "code"' });
    assert.deepEqual(
      r.issues.map((i) => `${i.code}@${i.pointer}`),
      [`${C.eventJson}@/event`],
    );
  });

  it('takes a URL-encoded problem_check and an array problem_graded as Ralph does', () => {
    const form = edited(baseEvent('UIProblemCheck'), {
      path: ['event'],
      value: 'input_a_2_1=choice_1&input_a_3_1=x',
    });
    assert.equal(check(form).status, 'valid');
    const graded = edited(baseEvent('UIProblemGraded'), { path: ['event'], value: ['a', null] });
    assert.equal(check(graded).status, 'valid');
    assert.equal(check(edited(graded, { path: ['event'], value: [true] })).status, 'invalid');
  });
});

describe('model selection', () => {
  it('classifies unmodelled events as unknown, with no model', () => {
    for (const event of [
      edited(baseEvent('ShowAnswer'), { path: ['event_type'], value: 'edx.forum.thread.created' }),
      edited(baseEvent('UIPlayVideo'), { path: ['event_source'], value: 'mobile' }),
      edited(baseEvent('UIPlayVideo'), { path: ['event_source'] }),
      { foo: 1 },
    ]) {
      const r = check(event, 'lenient');
      assert.equal(r.status, 'unknown');
      assert.equal(r.model, undefined);
      assert.equal(r.issues[0]!.code, C.unknownModel);
    }
    assert.equal(check([1, 2]).status, 'unknown');
    assert.equal(check(null).status, 'unknown');
  });

  it('selects the page-request model when event_type equals context.path', () => {
    const page = edited(baseEvent('ShowAnswer'), { path: ['event_type'], value: '/dashboard' });
    const withPath = edited(page, { path: ['context', 'path'], value: '/dashboard' });
    assert.equal(selectEdxModel(page), undefined);
    assert.equal(selectEdxModel(withPath)?.name, 'Server');
  });

  it('follows Ralph rule order when a known type equals context.path', () => {
    const show = edited(baseEvent('ShowAnswer'), { path: ['context', 'path'], value: 'showanswer' });
    assert.equal(selectEdxModel(show)?.name, 'Server');
    const problem = edited(baseEvent('ProblemCheck'), { path: ['context', 'path'], value: 'problem_check' });
    assert.equal(selectEdxModel(problem)?.name, 'ProblemCheck');
  });

  it('tells server and browser models of the same event_type apart', () => {
    assert.equal(selectEdxModel(baseEvent('UIEdxDoneToggled'))?.name, 'UIEdxDoneToggled');
    assert.equal(selectEdxModel(baseEvent('EdxDoneToggled'))?.name, 'EdxDoneToggled');
  });
});

describe('cross-field rules', () => {
  it('seq_next must move one forward and seq_prev one back', () => {
    const next = baseEvent('UISeqNext');
    assert.equal(
      check(edited(next, { path: ['event', 'old'], value: '3' }, { path: ['event', 'new'], value: 4 }))
        .status,
      'valid',
    );
    assert.deepEqual(
      found(edited(next, { path: ['event', 'old'], value: 3 }, { path: ['event', 'new'], value: 5 })),
      [`${C.rule}@/event/new`],
    );
    const prev = baseEvent('UISeqPrev');
    assert.deepEqual(
      found(edited(prev, { path: ['event', 'old'], value: 3 }, { path: ['event', 'new'], value: 4 })),
      [`${C.rule}@/event/new`],
    );
  });
});
