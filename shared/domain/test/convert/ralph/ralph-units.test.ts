// Unit tests of the `ralph` profile's building blocks. Expected values were measured on
// ralph-malph 5.1.0 / pydantic 2 / Python 3.11 (see scripts/ralph-compare/README.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  RALPH_CONVERTERS,
  RALPH_ISSUE,
  convertRalph,
  createRalphConverter,
  isRalphIri,
  ralphConvertLine,
  ralphLines,
  ralphParseNamespace,
  ralphSelectConverter,
  ralphUuid5,
} from '../../../src/convert/ralph/index.js';
import { ralphDatetime, ralphNonNegativeFloat, ralphUuid } from '../../../src/convert/ralph/pydantic.js';
import { pyEquals, pyFloatRepr, pyStr } from '../../../src/convert/ralph/python.js';

const OPTIONS = {
  platformUrl: 'https://lms.example.org/',
  uuidNamespace: 'ee241f8b-174f-5bdb-a4a3-a7b5b2d2fd72',
};
const NS = ralphParseNamespace(OPTIONS.uuidNamespace)!;

test('uuid5 matches Python uuid.uuid5, hashing the line with its terminator', () => {
  const dns = ralphParseNamespace('6ba7b810-9dad-11d1-80b4-00c04fd430c8')!;
  assert.equal(ralphUuid5(dns, 'python.org'), '886313e1-3b8a-5372-9b90-0c9aee199e5d');
  assert.equal(ralphUuid5(NS, '{"a": 1}\n'), 'e6bcbb95-0ea7-5df9-ab29-85453c6e3477');
  assert.equal(ralphUuid5(NS, '{"a": 1}'), '8fc9e506-b63e-5da5-80e9-e6ee2bb6d4b2');
  assert.equal(ralphUuid5(NS, '{"a": 1}\r\n'), 'a7a5ba5f-17fa-5c01-b135-217eaccf9a10');
  assert.equal(ralphUuid5(NS, '{"u": "Zoë ✓ 😀"}\n'), '8783d439-15c4-5436-a94c-99c45d4d1f93');
});

test('namespace parsing follows Python uuid.UUID(text)', () => {
  const hex = (text: string) => ralphParseNamespace(text)?.toString('hex');
  for (const text of [
    '{EE241F8B-174F-5BDB-A4A3-A7B5B2D2FD72}',
    'urn:uuid:ee241f8b174f5bdba4a3a7b5b2d2fd72',
    'ee24-1f8b174f5bdba4a3a7b5b2d2fd72',
  ]) {
    assert.equal(hex(text), 'ee241f8b174f5bdba4a3a7b5b2d2fd72', text);
  }
  assert.equal(hex('ee241f8b-174f-5bdb-a4a3-a7b5b2d2fd7'), undefined);
  assert.equal(hex('zz241f8b-174f-5bdb-a4a3-a7b5b2d2fd72'), undefined);
});

test('ralphLines splits at "\\n" only and keeps terminators, as sys.stdin does on Linux', () => {
  assert.deepEqual(ralphLines('{"a":1}\r\n{"b":2}\r{"c":3}\n\nlast'), [
    '{"a":1}\r\n',
    '{"b":2}\r{"c":3}\n',
    '\n',
    'last',
  ]);
  assert.deepEqual(ralphLines(''), []);
  assert.deepEqual(ralphLines('x\n'), ['x\n']);
});

test('IRI check matches rfc3987 as Ralph uses it', () => {
  const valid = [
    'https://x.org/é',
    'http://[2001:db8::1]/x',
    'mailto:a@b',
    'urn:x',
    'a:',
    'https://x.org/a%2f',
    'https://x.org/?\ue000',
    'HTTPS://X.ORG',
    'https://x.org:8080/',
    'http://[v1.x]/',
    'http://[::ffff:1.2.3.4]/',
    'https://x.org/😀',
    'https://x.org/a\n',
  ];
  const invalid = [
    'https://x.org/a\n\n',
    'https://x.org/a b',
    'https://x.org/a%zz',
    'https://x.org/\ue000',
    'https://x.org/#a#b',
    'https://x.org/a{b}',
    'https://x.org/a|b',
    '1http://x',
    'https://us er@x',
    'https://x.org:port',
    'http://[1:2:3:4:5:6:7:8:9]/',
    'https://x.org/a\\b',
    'https://x.org/<a>',
    '',
  ];
  for (const iri of valid) assert.equal(isRalphIri(iri), true, JSON.stringify(iri));
  for (const iri of invalid) assert.equal(isRalphIri(iri), false, JSON.stringify(iri));
});

test('datetime coercion and rendering follow pydantic', () => {
  const cases: Array<[unknown, string | undefined]> = [
    ['2023-05-01T12:34:56.123456+00:00', '2023-05-01T12:34:56.123456Z'],
    ['2023-05-01T12:34:56.1234567+00:00', '2023-05-01T12:34:56.123456Z'],
    ['2023-05-01 12:34:56', '2023-05-01T12:34:56'],
    ['2023-05-01t12:34:56z', '2023-05-01T12:34:56Z'],
    ['2023-05-01', '2023-05-01T00:00:00'],
    ['2023-05-01T12:34', '2023-05-01T12:34:00'],
    ['2023-05-01T12:34:56+0530', '2023-05-01T12:34:56+05:30'],
    ['2023-05-01T12:34:56-00:00', '2023-05-01T12:34:56Z'],
    ['2023-05-01T12:34:56,5Z', '2023-05-01T12:34:56.500000Z'],
    ['2023-05-01T12:34:56.000000Z', '2023-05-01T12:34:56Z'],
    ['2024-02-29T00:00:00', '2024-02-29T00:00:00'],
    ['1700000000', '2023-11-14T22:13:20Z'],
    ['1700000000.5', '2023-11-14T22:13:20.500000Z'],
    [1700000000.25, '2023-11-14T22:13:20.250000Z'],
    [1700000000.9999995, '2023-11-14T22:13:21Z'],
    [20000000001, '1970-08-20T11:33:20.001000Z'],
    [-1.5, '1969-12-31T23:59:58.500000Z'],
    ['+5', '1970-01-01T00:00:05Z'],
    ['.5', '1970-01-01T00:00:00.500000Z'],
    ['2023-05-01T12', undefined],
    ['2023-05-01T12:34:56+05', undefined],
    ['2023-05-01T24:00:00', undefined],
    ['2023-02-29T00:00:00', undefined],
    ['0000-01-01T00:00:00', undefined],
    [' 2023-05-01', undefined],
    ['1e9', undefined],
    ['99999999999999999999', undefined],
    [1e20, undefined],
    [true, undefined],
  ];
  for (const [input, expected] of cases) assert.equal(ralphDatetime(input), expected, JSON.stringify(input));
});

test('non-negative float coercion follows pydantic lax mode', () => {
  const cases: Array<[unknown, number | undefined]> = [
    [12, 12],
    [true, 1],
    [false, 0],
    ['12.5', 12.5],
    [' 12.5 ', 12.5],
    ['1_000', 1000],
    ['1_.5', 1.5],
    ['1e3', 1000],
    ['+3', 3],
    ['inf', Infinity],
    ['Infinity', Infinity],
    ['-0', -0],
    ['1__0', undefined],
    ['_1', undefined],
    ['0x10', undefined],
    ['nan', undefined],
    ['-inf', undefined],
    [-1, undefined],
    [null, undefined],
    [[1], undefined],
  ];
  for (const [input, expected] of cases) {
    assert.equal(Object.is(ralphNonNegativeFloat(input), expected), true, JSON.stringify(input));
  }
});

test('UUID coercion accepts the forms pydantic accepts', () => {
  const canonical = '056aca2a-8d6a-4b9a-b9e1-ea02f5f3c9d4';
  for (const text of [
    '056aca2a8d6a4b9ab9e1ea02f5f3c9d4',
    '056ACA2A-8D6A-4B9A-B9E1-EA02F5F3C9D4',
    '{056aca2a-8d6a-4b9a-b9e1-ea02f5f3c9d4}',
    'urn:uuid:056aca2a-8d6a-4b9a-b9e1-ea02f5f3c9d4',
  ]) {
    assert.equal(ralphUuid(text), canonical, text);
  }
  for (const text of [
    'urn:uuid:056aca2a8d6a4b9ab9e1ea02f5f3c9d4',
    '{056aca2a8d6a4b9ab9e1ea02f5f3c9d4}',
    ' x',
    5,
  ]) {
    assert.equal(ralphUuid(text), undefined, String(text));
  }
});

test('Python str() and == of JSON values', () => {
  assert.equal(pyStr(42), '42');
  assert.equal(pyStr(1.5), '1.5');
  assert.equal(pyStr(true), 'True');
  assert.equal(pyStr([1, 'a', null]), "[1, 'a', None]");
  assert.equal(pyStr({ a: ["it's"] }), `{'a': ["it's"]}`);
  assert.equal(pyFloatRepr(1e-7), '1e-07');
  assert.equal(pyFloatRepr(1.5e16), '1.5e+16');
  assert.equal(pyFloatRepr(0.0001), '0.0001');
  assert.equal(pyEquals(true, 1), true);
  assert.equal(pyEquals(1, 1.0), true);
  assert.equal(pyEquals(undefined, null), true);
  assert.equal(pyEquals('1', 1), false);
  assert.equal(pyEquals({ a: [1] }, { a: [true] }), true);
});

test('selection: nine converters, Ralph’s selector rules', () => {
  assert.equal(RALPH_CONVERTERS.length, 9);
  const name = (event: unknown) => ralphSelectConverter(event)?.name;
  assert.equal(
    name({ event_source: 'server', event_type: '/x', context: { path: '/x' } }),
    'ServerEventToPageViewed',
  );
  assert.equal(name({ event_source: 'server', event_type: '/x', context: { path: '/y' } }), undefined);
  assert.equal(name({ event_source: 'server' }), 'ServerEventToPageViewed');
  assert.equal(
    name({
      event_source: 'server',
      event_type: 'xblock.poll.submitted',
      context: { path: 'xblock.poll.submitted' },
    }),
    'ServerEventToPageViewed',
  );
  assert.equal(
    name({ event_source: 'server', event_type: 'problem_check', context: { path: 'problem_check' } }),
    undefined,
  );
  assert.equal(name({ event_source: 'browser', event_type: 'seek_video' }), 'UISeekVideoToVideoSeeked');
  assert.equal(name({ event_source: 'mobile', event_type: 'seek_video' }), undefined);
  assert.equal(name([]), undefined);
});

test('options: invalid namespace or platform URL are refused up front', () => {
  assert.throws(() => createRalphConverter({ ...OPTIONS, uuidNamespace: 'nope' }), RangeError);
  assert.throws(() => createRalphConverter({ ...OPTIONS, platformUrl: 'not a url' }), RangeError);
  assert.throws(() => createRalphConverter({ ...OPTIONS, platformUrl: '' }), RangeError);
});

test('issues point at the input field Ralph fails on', () => {
  const line =
    '{"event_source":"browser","event_type":"play_video","session":"x","context":{"course_id":"c"},' +
    '"event":"{\\"id\\": \\"v1\\", \\"currentTime\\": 3}"}\n';
  const result = ralphConvertLine(createRalphConverter(OPTIONS), line);
  assert.equal(result.status, 'invalid');
  assert.equal(result.converter, 'UIPlayVideoToVideoPlayed');
  const found = result.issues.map((i) => `${i.code} ${i.pointer}`);
  assert.ok(found.includes(`${RALPH_ISSUE.type} /event`), found.join('; '));
  assert.ok(found.includes(`${RALPH_ISSUE.invalid} /session`), found.join('; '));
  const unsupported = convertRalph({ event_source: 'browser', event_type: 'seq_goto' }, '{}\n', OPTIONS);
  assert.equal(unsupported.status, 'unsupported');
  assert.equal(unsupported.issues[0]?.code, RALPH_ISSUE.unsupported);
  assert.equal(ralphConvertLine(createRalphConverter(OPTIONS), '{bad').issues[0]?.code, RALPH_ISSUE.json);
});

test('documented differences from Ralph (JSON numbers), asserted exactly', () => {
  const read = (name: string) =>
    readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
      .split('\n')
      .filter((row) => row !== '');
  const inputs = ralphLines(
    readFileSync(new URL('./fixtures/differences-input.ndjson', import.meta.url), 'utf8'),
  );
  const ralph = read('differences-ralph-output.ndjson').map(
    (row) => JSON.parse(row) as Record<string, unknown>,
  );
  const rows = read('differences-ralph-output.ndjson');
  const converter = createRalphConverter(OPTIONS);
  const ours = inputs.map((line) => ralphConvertLine(converter, line));
  const name = (s: unknown) => (s as { actor: { account: { name: string } } }).actor.account.name;
  // 1-3: actor names from numbers JSON.parse cannot keep apart (big ints, 42.0, 1e16).
  assert.equal(name(ralph[0]), '12345678901234567890');
  assert.notEqual(name(ours[0]!.statement), name(ralph[0]));
  assert.deepEqual([name(ralph[1]), name(ours[1]!.statement)], ['42.0', '42']);
  assert.deepEqual([name(ralph[2]), name(ours[2]!.statement)], ['1e+16', '10000000000000000']);
  // Everything else in those statements agrees.
  for (const i of [0, 1, 2]) {
    const strip = (s: unknown) => ({ ...(s as object), actor: undefined });
    assert.deepEqual(strip(ours[i]!.statement), strip(ralph[i]));
  }
  // 4: a float user agent: Python prints 3.0, we print 3.
  const agent = (s: unknown) =>
    (s as { context: { extensions: Record<string, string> } }).context.extensions[
      'https://w3id.org/xapi/video/extensions/user-agent'
    ];
  assert.deepEqual([agent(ralph[3]), agent(ours[3]!.statement)], ['3.0', '3']);
  // 5: `Infinity` is not JSON; Python reads it (and Ralph writes time: null), JSON.parse refuses the line.
  const time = (s: unknown) =>
    (s as { result: { extensions: Record<string, unknown> } }).result.extensions[
      'https://w3id.org/xapi/video/extensions/time'
    ];
  assert.equal(time(ralph[4]), null);
  assert.equal(ours[4]!.status, 'invalid');
  // 6: -0.0 is kept as -0 in our statement object, but JSON.stringify writes it as 0.
  assert.deepStrictEqual(ours[5]!.statement, ralph[5]);
  assert.match(rows[5]!, /time":-0\.0[,}]/);
  assert.match(JSON.stringify(ours[5]!.statement), /time":0[,}]/);
});
