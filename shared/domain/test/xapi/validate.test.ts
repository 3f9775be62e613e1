import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  XAPI_ISSUE,
  isValidXapiStatement,
  isXapiBatchValid,
  validateXapiStatement,
  validateXapiStatements,
} from '../../src/xapi/index.js';
import type { Json, JsonObject } from './fixtures.js';
import { baseStatement, edited, obj } from './fixtures.js';

/** `code@pointer` of every issue, sorted, for compact assertions. */
function found(stmt: unknown): string[] {
  return validateXapiStatement(stmt)
    .map((i) => `${i.code}@${i.pointer}`)
    .sort();
}

function assertValid(stmt: unknown): void {
  assert.deepEqual(validateXapiStatement(stmt), []);
}

/** The statement has exactly these issues. */
function assertIssues(stmt: unknown, expected: string[]): void {
  assert.deepEqual(found(stmt), [...expected].sort());
}

const C = XAPI_ISSUE;
const SHA1 = 'cd9b00a5611f94eaa7b1661edab976068e364975';
const ACCOUNT = { homePage: 'https://lms.example.org', name: 'u-42' };

describe('xapi statement: top level', () => {
  it('accepts the base statement and a minimal one', () => {
    assertValid(baseStatement());
    assertValid({
      actor: { mbox: 'mailto:a@b.org' },
      verb: { id: 'http://adlnet.gov/expapi/verbs/attempted' },
      object: { id: 'http://example.org/a' },
    });
  });

  it('requires actor, verb and object', () => {
    assertIssues({}, [`${C.REQUIRED}@/actor`, `${C.REQUIRED}@/verb`, `${C.REQUIRED}@/object`]);
  });

  it('rejects non-objects without throwing', () => {
    for (const v of [null, 3, 'x', [], true, undefined]) {
      const issues = validateXapiStatement(v);
      assert.equal(issues.length, 1);
      assert.equal(issues[0]?.pointer, '');
    }
    assert.equal(validateXapiStatement(null)[0]?.code, C.NULL);
    assert.equal(validateXapiStatement([])[0]?.code, C.TYPE);
  });

  it('rejects unknown and miscased properties', () => {
    assertIssues(
      edited((s) => {
        s.Actor = s.actor ?? null;
        s.extra = 1;
      }),
      [`${C.UNKNOWN_PROPERTY}@/Actor`, `${C.UNKNOWN_PROPERTY}@/extra`],
    );
    assertIssues(
      edited((s) => {
        obj(s, 'actor').Name = 'x';
      }),
      [`${C.UNKNOWN_PROPERTY}@/actor/Name`],
    );
  });

  it('rejects null outside extensions, accepts it inside', () => {
    assertIssues(
      edited((s) => {
        obj(s, 'actor').name = null;
      }),
      [`${C.NULL}@/actor/name`],
    );
    assertIssues(
      edited((s) => {
        obj(s, 'verb', 'display')['en-US'] = null;
      }),
      [`${C.NULL}@/verb/display/en-US`],
    );
    assertValid(
      edited((s) => {
        s.result = {
          extensions: {
            'http://example.org/x': null,
            'http://example.org/y': '',
            'http://example.org/z': {},
          },
        };
      }),
    );
  });

  it('checks id, timestamp, stored and version formats', () => {
    assertIssues(
      edited((s) => {
        s.id = 'not-a-uuid';
        s.timestamp = '2024-02-30T00:00:00Z';
        s.stored = 12;
        s.version = '1.1.0';
      }),
      [`${C.UUID}@/id`, `${C.TIMESTAMP}@/timestamp`, `${C.TYPE}@/stored`, `${C.VERSION}@/version`],
    );
    assertValid(
      edited((s) => {
        s.version = '1.0.3';
        s.stored = '2024-03-01T10:15:31Z';
      }),
    );
  });

  it('reports every problem, with pointers, never the personal value', () => {
    const issues = validateXapiStatement(
      edited((s) => {
        obj(s, 'actor').mbox = 'mailto:secret-person.example.org';
      }),
    );
    assert.equal(issues.length, 1);
    assert.equal(issues[0]?.pointer, '/actor/mbox');
    assert.ok(!JSON.stringify(issues).includes('secret-person'));
  });
});

describe('xapi statement: agents, groups and IFIs', () => {
  it('accepts each IFI alone', () => {
    const ifiList: JsonObject[] = [
      { mbox: 'mailto:a@b.org' },
      { mbox_sha1sum: SHA1 },
      { openid: 'http://openid.example.org/1' },
      { account: ACCOUNT },
    ];
    for (const ifi of ifiList) {
      assertValid(
        edited((s) => {
          s.actor = { objectType: 'Agent', ...ifi };
        }),
      );
    }
  });

  it('requires exactly one IFI on an Agent', () => {
    assertIssues(
      edited((s) => {
        s.actor = { objectType: 'Agent', name: 'x' };
      }),
      [`${C.IFI_COUNT}@/actor`],
    );
    assertIssues(
      edited((s) => {
        s.actor = { mbox: 'mailto:a@b.org', mbox_sha1sum: SHA1 };
      }),
      [`${C.IFI_COUNT}@/actor`],
    );
  });

  it('checks each IFI format', () => {
    assertIssues(
      edited((s) => {
        s.actor = { mbox: 'a@b.org' };
      }),
      [`${C.MAILTO}@/actor/mbox`],
    );
    assertIssues(
      edited((s) => {
        s.actor = { mbox_sha1sum: 'abc' };
      }),
      [`${C.SHA1}@/actor/mbox_sha1sum`],
    );
    assertIssues(
      edited((s) => {
        s.actor = { openid: 'openid.example.org/1' };
      }),
      [`${C.IRI}@/actor/openid`],
    );
    assertIssues(
      edited((s) => {
        s.actor = { account: { homePage: 'lms.example.org', Name: 'x' } };
      }),
      [
        `${C.IRI}@/actor/account/homePage`,
        `${C.REQUIRED}@/actor/account/name`,
        `${C.UNKNOWN_PROPERTY}@/actor/account/Name`,
      ],
    );
  });

  it('identified groups: one IFI, members optional', () => {
    assertValid(
      edited((s) => {
        s.actor = { objectType: 'Group', account: ACCOUNT };
      }),
    );
    assertValid(
      edited((s) => {
        s.actor = { objectType: 'Group', mbox: 'mailto:g@b.org', member: [{ mbox: 'mailto:a@b.org' }] };
      }),
    );
    assertIssues(
      edited((s) => {
        s.actor = { objectType: 'Group', mbox: 'mailto:g@b.org', account: ACCOUNT, member: [] };
      }),
      [`${C.IFI_COUNT}@/actor`],
    );
  });

  it('anonymous groups need Agent members', () => {
    assertValid(
      edited((s) => {
        s.actor = {
          objectType: 'Group',
          name: 'team',
          member: [{ mbox: 'mailto:a@b.org' }, { objectType: 'Agent', account: ACCOUNT }],
        };
      }),
    );
    assertIssues(
      edited((s) => {
        s.actor = { objectType: 'Group', name: 'team' };
      }),
      [`${C.GROUP_MEMBER}@/actor/member`],
    );
    assertIssues(
      edited((s) => {
        s.actor = { objectType: 'Group', member: [] };
      }),
      [`${C.GROUP_MEMBER}@/actor/member`],
    );
    assertIssues(
      edited((s) => {
        s.actor = { objectType: 'Group', member: { mbox: 'mailto:a@b.org' } };
      }),
      [`${C.TYPE}@/actor/member`],
    );
    assertIssues(
      edited((s) => {
        s.actor = {
          objectType: 'Group',
          member: [{ objectType: 'Group', member: [{ mbox: 'mailto:a@b.org' }] }, { name: 'no ifi' }],
        };
      }),
      [`${C.GROUP_MEMBER}@/actor/member/0/objectType`, `${C.IFI_COUNT}@/actor/member/1`],
    );
  });

  it('actor objectType must be Agent or Group, exact case', () => {
    assertIssues(
      edited((s) => {
        obj(s, 'actor').objectType = 'agent';
      }),
      [`${C.OBJECT_TYPE}@/actor/objectType`],
    );
    assertIssues(
      edited((s) => {
        obj(s, 'actor').objectType = 1;
      }),
      [`${C.TYPE}@/actor/objectType`],
    );
  });
});

describe('xapi statement: verb and voiding', () => {
  it('verb needs an IRI id and a language map display', () => {
    assertIssues(
      edited((s) => {
        s.verb = { display: 'done' };
      }),
      [`${C.REQUIRED}@/verb/id`, `${C.TYPE}@/verb/display`],
    );
    assertIssues(
      edited((s) => {
        s.verb = { id: 'completed', display: { 'en-US': 'done', bogus_tag: 'x' } };
      }),
      [`${C.IRI}@/verb/id`, `${C.LANGUAGE_TAG}@/verb/display/bogus_tag`],
    );
  });

  it('a voided verb needs a StatementRef object', () => {
    const voiding: JsonObject = edited((s) => {
      s.verb = { id: 'http://adlnet.gov/expapi/verbs/voided' };
      s.object = { objectType: 'StatementRef', id: 'e05aa883-acaf-40ad-bf54-02c8ce485fb0' };
    });
    assertValid(voiding);
    assertIssues(
      edited((s) => {
        s.verb = { id: 'http://adlnet.gov/expapi/verbs/voided' };
      }),
      [`${C.VOIDING}@/object`],
    );
  });
});

describe('xapi statement: objects', () => {
  it('an object without objectType is an Activity and needs an IRI id', () => {
    assertIssues(
      edited((s) => {
        s.object = { definition: {} };
      }),
      [`${C.REQUIRED}@/object/id`],
    );
    assertIssues(
      edited((s) => {
        s.object = { id: 'example.org/a' };
      }),
      [`${C.IRI}@/object/id`],
    );
  });

  it('Agents and Groups as object must state objectType', () => {
    assertIssues(
      edited((s) => {
        s.object = { mbox: 'mailto:a@b.org' };
      }),
      [`${C.REQUIRED}@/object/objectType`],
    );
    assertValid(
      edited((s) => {
        s.object = { objectType: 'Agent', mbox: 'mailto:a@b.org' };
      }),
    );
    assertValid(
      edited((s) => {
        s.object = { objectType: 'Group', member: [{ openid: 'http://id.example.org/p' }] };
      }),
    );
  });

  it('rejects unknown objectType values', () => {
    assertIssues(
      edited((s) => {
        obj(s, 'object').objectType = 'activity';
      }),
      [`${C.OBJECT_TYPE}@/object/objectType`],
    );
  });

  it('StatementRef needs a UUID id', () => {
    assertIssues(
      edited((s) => {
        s.object = { objectType: 'StatementRef', id: 'http://example.org/x' };
      }),
      [`${C.UUID}@/object/id`],
    );
    assertIssues(
      edited((s) => {
        s.object = { objectType: 'StatementRef' };
      }),
      [`${C.REQUIRED}@/object/id`],
    );
  });

  it('SubStatement: statement rules, no id/stored/version/authority, no nesting', () => {
    const sub = (): JsonObject => {
      const b = baseStatement();
      return {
        objectType: 'SubStatement',
        actor: b.actor ?? null,
        verb: b.verb ?? null,
        object: b.object ?? null,
      };
    };
    assertValid(
      edited((s) => {
        s.object = sub();
      }),
    );
    assertIssues(
      edited((s) => {
        const o = sub();
        o.id = 'e05aa883-acaf-40ad-bf54-02c8ce485fb0';
        o.stored = '2024-01-01T00:00:00Z';
        o.version = '1.0.0';
        o.authority = { mbox: 'mailto:a@b.org' };
        s.object = o;
      }),
      [
        `${C.FORBIDDEN_PROPERTY}@/object/authority`,
        `${C.FORBIDDEN_PROPERTY}@/object/id`,
        `${C.FORBIDDEN_PROPERTY}@/object/stored`,
        `${C.FORBIDDEN_PROPERTY}@/object/version`,
      ],
    );
    assertIssues(
      edited((s) => {
        const o = sub();
        o.object = sub();
        s.object = o;
      }),
      [`${C.SUBSTATEMENT_NESTED}@/object/object/objectType`],
    );
    assertIssues(
      edited((s) => {
        const o = sub();
        delete o.verb;
        s.object = o;
      }),
      [`${C.REQUIRED}@/object/verb`],
    );
  });
});

describe('xapi statement: activity definitions and interactions', () => {
  const interaction = (def: JsonObject): JsonObject =>
    edited((s) => {
      s.object = {
        id: 'http://example.org/q1',
        definition: { type: 'http://adlnet.gov/expapi/activities/cmi.interaction', ...def },
      };
    });
  const comps = (...ids: string[]): Json => ids.map((id) => ({ id, description: { en: id } }));

  it('checks definition field types', () => {
    assertIssues(interaction({ name: 'x', description: { en: 1 }, moreInfo: 'nowhere', extensions: [] }), [
      `${C.TYPE}@/object/definition/name`,
      `${C.TYPE}@/object/definition/description/en`,
      `${C.IRI}@/object/definition/moreInfo`,
      `${C.TYPE}@/object/definition/extensions`,
    ]);
  });

  it('accepts each interaction type with its own component lists', () => {
    assertValid(interaction({ interactionType: 'true-false', correctResponsesPattern: ['true'] }));
    assertValid(
      interaction({
        interactionType: 'choice',
        choices: comps('a', 'b'),
        correctResponsesPattern: ['a[,]b'],
      }),
    );
    assertValid(interaction({ interactionType: 'sequencing', choices: comps('a', 'b') }));
    assertValid(interaction({ interactionType: 'likert', scale: comps('1', '2', '3') }));
    assertValid(interaction({ interactionType: 'matching', source: comps('a'), target: comps('1') }));
    assertValid(interaction({ interactionType: 'performance', steps: comps('s1') }));
    for (const t of ['fill-in', 'long-fill-in', 'numeric', 'other'])
      assertValid(interaction({ interactionType: t }));
  });

  it('rejects component lists the interaction type does not allow', () => {
    assertIssues(interaction({ interactionType: 'likert', choices: comps('a') }), [
      `${C.INTERACTION}@/object/definition/choices`,
    ]);
    assertIssues(interaction({ interactionType: 'numeric', steps: comps('a') }), [
      `${C.INTERACTION}@/object/definition/steps`,
    ]);
  });

  it('component lists and correctResponsesPattern need interactionType', () => {
    assertIssues(interaction({ correctResponsesPattern: ['4'] }), [
      `${C.INTERACTION}@/object/definition/interactionType`,
    ]);
    assertIssues(interaction({ scale: comps('1') }), [`${C.INTERACTION}@/object/definition/interactionType`]);
  });

  it('interactionType is an exact-case enumeration', () => {
    assertIssues(interaction({ interactionType: 'Choice' }), [
      `${C.ENUM}@/object/definition/interactionType`,
    ]);
    assertIssues(interaction({ interactionType: 'toString' }), [
      `${C.ENUM}@/object/definition/interactionType`,
    ]);
  });

  it('component ids are required strings, distinct within a list', () => {
    assertIssues(
      interaction({
        interactionType: 'choice',
        choices: [{ id: 'a' }, { id: 'a' }, { description: { en: 'x' } }, 'c'],
      }),
      [
        `${C.INTERACTION}@/object/definition/choices/1/id`,
        `${C.REQUIRED}@/object/definition/choices/2/id`,
        `${C.TYPE}@/object/definition/choices/3`,
      ],
    );
    assertIssues(interaction({ interactionType: 'choice', correctResponsesPattern: 'a' }), [
      `${C.TYPE}@/object/definition/correctResponsesPattern`,
    ]);
  });
});

describe('xapi statement: result and score', () => {
  const withResult = (r: JsonObject): JsonObject =>
    edited((s) => {
      s.result = r;
    });

  it('accepts a full result', () => {
    assertValid(
      withResult({
        score: { scaled: -1, raw: 0, min: 0, max: 10 },
        success: false,
        completion: true,
        response: '',
        duration: 'PT4H35M59.14S',
        extensions: {},
      }),
    );
    assertValid(withResult({ score: { scaled: 1, raw: 10, min: 0, max: 10 } }));
    assertValid(withResult({ score: { raw: -500 } }));
  });

  it('scaled in [-1, 1], min < max, min <= raw <= max', () => {
    assertIssues(withResult({ score: { scaled: 1.01 } }), [`${C.SCORE_RANGE}@/result/score/scaled`]);
    assertIssues(withResult({ score: { scaled: -1.5 } }), [`${C.SCORE_RANGE}@/result/score/scaled`]);
    assertIssues(withResult({ score: { min: 5, max: 5 } }), [`${C.SCORE_RANGE}@/result/score/min`]);
    assertIssues(withResult({ score: { raw: 11, min: 0, max: 10 } }), [`${C.SCORE_RANGE}@/result/score/raw`]);
    assertIssues(withResult({ score: { raw: -1, min: 0 } }), [`${C.SCORE_RANGE}@/result/score/raw`]);
    assertIssues(withResult({ score: { raw: '5' } }), [`${C.TYPE}@/result/score/raw`]);
  });

  it('result field types and duration format', () => {
    assertIssues(withResult({ success: 'true', completion: 1, response: 5, duration: 'PT1H30' }), [
      `${C.TYPE}@/result/success`,
      `${C.TYPE}@/result/completion`,
      `${C.TYPE}@/result/response`,
      `${C.DURATION}@/result/duration`,
    ]);
    assertIssues(withResult({ extensions: { 'no-scheme': 1 } }), [`${C.IRI}@/result/extensions/no-scheme`]);
  });
});

describe('xapi statement: context', () => {
  const withContext = (c: JsonObject, object?: JsonObject): JsonObject =>
    edited((s) => {
      s.context = c;
      if (object !== undefined) s.object = object;
    });
  const ACT = { id: 'http://example.org/course' };

  it('accepts a full context', () => {
    assertValid(
      withContext({
        registration: 'ec531277-b57b-4c15-8d91-d292c5b2b8f7',
        instructor: { mbox: 'mailto:t@b.org' },
        team: { objectType: 'Group', member: [{ mbox: 'mailto:a@b.org' }] },
        contextActivities: {
          parent: [ACT],
          grouping: [],
          category: ACT,
          other: [{ objectType: 'Activity', id: 'urn:x' }],
        },
        revision: 'r1',
        platform: 'Moodle',
        language: 'fr-CA',
        statement: { objectType: 'StatementRef', id: '6690e6c9-3ef0-4ed3-8b37-7f3964730bee' },
        extensions: { 'https://example.org/ext': [1, 2] },
      }),
    );
  });

  it('contextActivities: known keys, Activity or array of Activities', () => {
    assertIssues(
      withContext({
        contextActivities: {
          Parent: [ACT],
          other: [{ objectType: 'Agent', mbox: 'mailto:a@b.org' }],
          category: 'x',
        },
      }),
      [
        `${C.UNKNOWN_PROPERTY}@/context/contextActivities/Parent`,
        `${C.OBJECT_TYPE}@/context/contextActivities/other/0/objectType`,
        `${C.TYPE}@/context/contextActivities/category`,
      ],
    );
    assertIssues(withContext({ contextActivities: { parent: { id: 'nope' } } }), [
      `${C.IRI}@/context/contextActivities/parent/id`,
    ]);
  });

  it('revision and platform only when the object is an Activity', () => {
    const ref = { objectType: 'StatementRef', id: '6690e6c9-3ef0-4ed3-8b37-7f3964730bee' };
    assertIssues(withContext({ revision: 'r', platform: 'p' }, ref), [
      `${C.CONTEXT_NOT_ACTIVITY}@/context/platform`,
      `${C.CONTEXT_NOT_ACTIVITY}@/context/revision`,
    ]);
    assertValid(withContext({ revision: 'r', platform: 'p' }, { id: 'http://example.org/no-object-type' }));
    assertIssues(withContext({ revision: 1 }), [`${C.TYPE}@/context/revision`]);
  });

  it('team must be a Group; instructor an Agent or Group; statement a StatementRef', () => {
    assertIssues(withContext({ team: { mbox: 'mailto:a@b.org' } }), [
      `${C.REQUIRED}@/context/team/objectType`,
    ]);
    assertIssues(withContext({ team: { objectType: 'Agent', mbox: 'mailto:a@b.org' } }), [
      `${C.OBJECT_TYPE}@/context/team/objectType`,
    ]);
    assertIssues(withContext({ instructor: { objectType: 'Person', mbox: 'mailto:a@b.org' } }), [
      `${C.OBJECT_TYPE}@/context/instructor/objectType`,
    ]);
    assertIssues(withContext({ statement: { id: '6690e6c9-3ef0-4ed3-8b37-7f3964730bee' } }), [
      `${C.REQUIRED}@/context/statement/objectType`,
    ]);
    assertIssues(
      withContext({ statement: { objectType: 'SubStatement', id: '6690e6c9-3ef0-4ed3-8b37-7f3964730bee' } }),
      [`${C.OBJECT_TYPE}@/context/statement/objectType`],
    );
  });

  it('registration is a UUID and language an RFC 5646 tag', () => {
    assertIssues(withContext({ registration: 'r-1', language: 'en_US' }), [
      `${C.UUID}@/context/registration`,
      `${C.LANGUAGE_TAG}@/context/language`,
    ]);
  });
});

describe('xapi statement: authority and attachments', () => {
  const oauthPair: Json[] = [
    { account: { homePage: 'http://example.com/xAPI/OAuth/Token', name: 'app' } },
    { mbox: 'mailto:user@b.org' },
  ];

  it('authority: Agent, or anonymous Group of exactly two Agents', () => {
    assertValid(
      edited((s) => {
        s.authority = { mbox: 'mailto:lrs@b.org' };
      }),
    );
    assertValid(
      edited((s) => {
        s.authority = { objectType: 'Group', member: oauthPair };
      }),
    );
    assertIssues(
      edited((s) => {
        s.authority = { objectType: 'Group', mbox: 'mailto:g@b.org', member: oauthPair };
      }),
      [`${C.AUTHORITY}@/authority`],
    );
    assertIssues(
      edited((s) => {
        s.authority = { objectType: 'Group', member: [...oauthPair, { mbox: 'mailto:c@b.org' }] };
      }),
      [`${C.AUTHORITY}@/authority`],
    );
  });

  const attachment = (): JsonObject => ({
    usageType: 'http://adlnet.gov/expapi/attachments/signature',
    display: { en: 'signature' },
    contentType: 'application/octet-stream',
    length: 4235,
    sha2: '672fa5fa658017f1b72d65036f13379c6ab05d4ab3b6664908d8acf0b6a0c634',
    fileUrl: 'https://files.example.org/a.bin',
  });

  it('attachments: required fields and formats', () => {
    assertValid(
      edited((s) => {
        s.attachments = [attachment()];
      }),
    );
    assertIssues(
      edited((s) => {
        s.attachments = [
          {
            ...attachment(),
            usageType: 'sig',
            contentType: 'octet',
            length: 1.5,
            sha2: 'xyz',
            fileUrl: 'a.bin',
          },
          { display: {} },
        ];
      }),
      [
        `${C.IRI}@/attachments/0/usageType`,
        `${C.MEDIA_TYPE}@/attachments/0/contentType`,
        `${C.TYPE}@/attachments/0/length`,
        `${C.SHA2}@/attachments/0/sha2`,
        `${C.IRI}@/attachments/0/fileUrl`,
        `${C.REQUIRED}@/attachments/1/usageType`,
        `${C.REQUIRED}@/attachments/1/contentType`,
        `${C.REQUIRED}@/attachments/1/length`,
        `${C.REQUIRED}@/attachments/1/sha2`,
      ],
    );
    assertIssues(
      edited((s) => {
        s.attachments = attachment();
      }),
      [`${C.TYPE}@/attachments`],
    );
  });
});

describe('xapi batches', () => {
  it('a single statement is index 0 with unprefixed pointers', () => {
    const r = validateXapiStatements(
      edited((s) => {
        s.id = 'x';
      }),
    );
    assert.deepEqual(
      r.map((e) => [e.index, e.issues.map((i) => i.pointer)]),
      [[0, ['/id']]],
    );
  });

  it('arrays report per index with /index pointers, and duplicate ids', () => {
    const good = baseStatement();
    const bad = edited((s) => {
      s.id = '9d4c2a10-0d5e-4c1b-8f3a-6b7e5d4c3b2a';
      obj(s, 'actor').mbox = 'nope';
    });
    const dup = baseStatement();
    const r = validateXapiStatements([
      good,
      bad,
      { ...good, id: 'e05aa883-acaf-40ad-bf54-02c8ce485fb0' },
      dup,
    ]);
    assert.deepEqual(
      r.map((e) => [e.index, e.issues.map((i) => `${i.code}@${i.pointer}`)]),
      [
        [0, []],
        [1, [`${C.MAILTO}@/1/actor/mbox`]],
        [2, []],
        [3, [`${C.BATCH_DUPLICATE_ID}@/3/id`]],
      ],
    );
    assert.equal(isXapiBatchValid(r), false);
    assert.equal(isXapiBatchValid(validateXapiStatements([good])), true);
    assert.deepEqual(validateXapiStatements([]), []);
    assert.equal(isValidXapiStatement(good), true);
    assert.equal(isValidXapiStatement(bad), false);
  });
});
