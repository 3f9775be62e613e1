// The speed work added regex-free readings of the usual datetime and UUID forms and a reused-buffer
// uuid5. These cases pin them to the general rules: each expected value was produced by the
// implementation before the fast paths existed (regex only), edge cases included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRalphIri, ralphParseNamespace, ralphUuid5 } from '../../../src/convert/ralph/index.js';
import { isRalphIriBase, isRalphIriUnder } from '../../../src/convert/ralph/iri.js';
import { ralphDatetime, ralphUuid } from '../../../src/convert/ralph/pydantic.js';

const DATETIMES: [string, string | null][] = [
  ['2023-05-01T12:34:56.123456+00:00', '2023-05-01T12:34:56.123456Z'],
  ['2023-05-01T12:34:56Z', '2023-05-01T12:34:56Z'],
  ['2023-05-01T12:34:56z', '2023-05-01T12:34:56Z'],
  ['2023-05-01T12:34:56+05:30', '2023-05-01T12:34:56+05:30'],
  ['2023-05-01T12:34:56-00:00', '2023-05-01T12:34:56Z'],
  ['2023-05-01T12:34:56.1234567-03:00', '2023-05-01T12:34:56.123456-03:00'],
  ['2023-05-01T12:34:56,5Z', '2023-05-01T12:34:56.500000Z'],
  ['2023-05-01T12:34:56.000000+00:00', '2023-05-01T12:34:56Z'],
  ['2023-05-01T12:34:56.', null],
  ['2023-05-01T12:34:56+0530', '2023-05-01T12:34:56+05:30'],
  ['2023-05-01T12:34:56+24:00', null],
  ['2023-05-01T12:34:56+05:60', null],
  ['2024-02-29T00:00:00', '2024-02-29T00:00:00'],
  ['2023-02-29T00:00:00', null],
  ['0000-01-01T00:00:00', null],
  ['2023-13-01T00:00:00', null],
  ['2023-05-01T24:00:00', null],
  ['2023-05-01T12:34:60', null],
  ['2023-05-01 12:34:56', '2023-05-01T12:34:56'],
  ['2023-05-01T12:34:56\n', null],
  ['2023-05-01T12:34:56+05:30\n', null],
  ['2023-05-01T1a:34:56', null],
  ['١٢٣٤-05-01T12:34:56', null],
];

test('usual datetime forms give what the general rules gave', () => {
  for (const [input, expected] of DATETIMES) {
    assert.equal(ralphDatetime(input) ?? null, expected, JSON.stringify(input));
  }
});

test('simple lower-case UUIDs give what the general rules gave', () => {
  const cases: [string, string | null][] = [
    ['ee241f8b174f5bdba4a3a7b5b2d2fd72', 'ee241f8b-174f-5bdb-a4a3-a7b5b2d2fd72'],
    ['EE241F8B174F5BDBA4A3A7B5B2D2FD72', 'ee241f8b-174f-5bdb-a4a3-a7b5b2d2fd72'],
    ['ee241f8b174f5bdba4a3a7b5b2d2fd7g', null],
    ['ee241f8b174f5bdba4a3a7b5b2d2fd7', null],
    ['ee241f8b-174f-5bdb-a4a3-a7b5b2d2fd72', 'ee241f8b-174f-5bdb-a4a3-a7b5b2d2fd72'],
  ];
  for (const [input, expected] of cases) assert.equal(ralphUuid(input) ?? null, expected, input);
});

test('uuid5 keeps its result when the reused buffer has to grow and shrink back', () => {
  const ns = ralphParseNamespace('ee241f8b-174f-5bdb-a4a3-a7b5b2d2fd72')!;
  const long = `{"a": "${'é✓'.repeat(10_000)}"}\n`;
  const first = ralphUuid5(ns, '{"a": 1}\n');
  const big = ralphUuid5(ns, long);
  assert.equal(first, 'e6bcbb95-0ea7-5df9-ab29-85453c6e3477');
  assert.equal(big, '31b95fd3-43e7-5ee9-9011-2572f433efa9');
  assert.equal(ralphUuid5(ns, long), big);
  assert.equal(ralphUuid5(ns, '{"a": 1}\n'), first);
});

test('the IRI fast path under the platform URL answers as the full rule', () => {
  const bases = ['https://lms.example.org', 'https://h:8080', 'https://h?q=1', 'https://h#f', 'urn:isbn:1'];
  const suffixes = [
    '/courses/course-v1:A+B+C/info',
    '/a b',
    '/%41',
    '/%4',
    '/x?y#z',
    '/é',
    '//x',
    '/x\n',
    '',
    'x',
  ];
  let fast = 0;
  for (const base of bases) {
    assert.ok(isRalphIriBase(base), base);
    for (const suffix of suffixes) {
      const value = base + suffix;
      assert.equal(isRalphIriUnder(base, value), isRalphIri(value), JSON.stringify(value));
      if (isRalphIri(value)) fast++;
    }
  }
  assert.ok(fast > 0);
  // Bases the fast path must not use: a trailing newline (tolerated alone) and an empty path.
  assert.equal(isRalphIriBase('https://h\n'), false);
  assert.equal(isRalphIriBase('x:'), false);
  assert.equal(isRalphIri('https://h\n/x'), false);
});
