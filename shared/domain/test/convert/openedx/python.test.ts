// The Python behaviours the openedx profile re-creates; expected values were produced by CPython 3.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  pyDurationIso,
  pyIsoTimestamp,
  pyJsonDumps,
  pyRepr,
  pyStr,
  pyTruthy,
  secondsToFloat,
} from '../../../src/convert/openedx/python.js';
import {
  openedxStatementId,
  openedxUuid5,
  OPENEDX_DNS_NAMESPACE,
} from '../../../src/convert/openedx/index.js';

describe('openedx python compatibility helpers', () => {
  it('truthiness follows Python', () => {
    for (const v of [0, '', [], {}, null, undefined, false])
      assert.equal(pyTruthy(v), false, JSON.stringify(v));
    for (const v of [1, 'a', [0], { a: 0 }, true, -1]) assert.equal(pyTruthy(v), true, JSON.stringify(v));
  });

  it('json.dumps uses Python separators and ensure_ascii escapes', () => {
    assert.equal(pyJsonDumps({ a: 'é\u007f😀' }), '{"a": "\\u00e9\\u007f\\ud83d\\ude00"}');
    assert.equal(pyJsonDumps(['é', 1, null, true], false), '["é", 1, null, true]');
    assert.equal(
      pyJsonDumps({ id: 'http://x/v', display: { en: 'seen' } }),
      '{"id": "http://x/v", "display": {"en": "seen"}}',
    );
    assert.equal(pyJsonDumps('tab\tline\nq"b\\'), '"tab\\tline\\nq\\"b\\\\"');
  });

  it('repr()/str() of answers match Python', () => {
    assert.equal(
      pyRepr({ a: [true, null], "b'": 'x', c: 'it\'s "q"' }),
      `{'a': [True, None], "b'": 'x', 'c': 'it\\'s "q"'}`,
    );
    assert.equal(pyStr('plain'), 'plain');
    assert.equal(pyStr(true), 'True');
    assert.equal(pyStr(2.5), '2.5');
  });

  it('timestamps print as datetime.isoformat() of the parsed value', () => {
    assert.equal(pyIsoTimestamp('2023-09-08T15:58:04.833393+00:00'), '2023-09-08T15:58:04.833393+00:00');
    assert.equal(pyIsoTimestamp('2020-07-14T14:39:26.58Z'), '2020-07-14T14:39:26.580000+00:00');
    assert.equal(pyIsoTimestamp('2020-07-14T14:39:26Z'), '2020-07-14T14:39:26+00:00');
    assert.equal(pyIsoTimestamp('2020-07-14T14:39:26.000+0530'), '2020-07-14T14:39:26+05:30');
    assert.equal(pyIsoTimestamp('2020-07-14T14:39:26.1234567-04:00'), '2020-07-14T14:39:26.123456-04:00');
    for (const bad of [
      '2020-07-14T14:39:26',
      '2020-07-14 14:39:26Z',
      '2020-02-30T00:00:00Z',
      'yesterday',
      '',
    ]) {
      assert.equal(pyIsoTimestamp(bad), undefined, bad);
    }
  });

  it('pyIsoTimestamp: the fast check of the usual 32-character form agrees with the general rules', () => {
    const same = [
      '2024-02-29T23:59:59.000001-05:30',
      '2000-02-29T00:00:00.999999+00:00',
      '0100-01-01T00:00:00.100000+23:59',
    ];
    for (const ts of same) assert.equal(pyIsoTimestamp(ts), ts, ts);
    const rewritten: Array<[string, string]> = [
      ['2024-03-04T08:00:00.000000+00:00', '2024-03-04T08:00:00+00:00'],
      ['2024-03-04T08:00:00.123456-00:00', '2024-03-04T08:00:00.123456+00:00'],
      ['2024-03-04T08:00:00,123456+01:00', '2024-03-04T08:00:00.123456+01:00'],
    ];
    for (const [ts, iso] of rewritten) assert.equal(pyIsoTimestamp(ts), iso, ts);
    for (const bad of [
      '2023-02-29T08:00:00.123456+00:00', // not a leap year
      '1900-02-29T08:00:00.123456+00:00', // century, not a leap year
      '0099-03-04T08:00:00.123456+00:00', // Date.UTC reads 99 as 1999
      '2024-03-04T24:00:00.123456+00:00',
      '2024-03-04T08:60:00.123456+00:00',
      '2024-03-04T08:00:60.123456+00:00',
      '2024-13-04T08:00:00.123456+00:00',
      '2024-03-04T08:00:00.123456+24:00',
      '2024-03-04T08:00:00.123456+00:60',
      '2024-03-04T08:00:00.12a456+00:00',
      '2024-03-04T08:00:00.123456 00:00',
    ]) {
      assert.equal(pyIsoTimestamp(bad), undefined, bad);
    }
  });

  it('durations print as TinCan jsonify_timedelta does', () => {
    const cases: Array<[number, string]> = [
      [195, 'PT03M15S'],
      [5.5, 'PT05.5S'],
      [3725, 'PT01H02M05S'],
      [90000, 'P1DT01H00M00S'],
      [0, 'PT00S'],
      [59.999, 'PT59.999S'],
      [86400.5, 'P1DT00H00M00.5S'],
      [0.001, 'PT00.001S'],
    ];
    for (const [s, iso] of cases) assert.equal(pyDurationIso(s), iso, String(s));
  });

  it("seconds round like Python's '{:.3f}' (ties to even) and empty values are absent", () => {
    assert.equal(secondsToFloat(0.0625), 0.062);
    assert.equal(secondsToFloat(0.1875), 0.188);
    assert.equal(secondsToFloat(2.0005), 2.001);
    assert.equal(secondsToFloat('12.34567'), 12.346);
    assert.equal(secondsToFloat(0), 0);
    assert.equal(secondsToFloat(''), null);
    assert.equal(secondsToFloat(null), null);
    assert.equal(secondsToFloat('abc'), undefined);
    assert.equal(secondsToFloat({ a: 1 }), undefined);
  });

  it('uuid5 matches RFC 4122 / CPython and the ERB id scheme', () => {
    assert.equal(openedxUuid5(OPENEDX_DNS_NAMESPACE, 'python.org'), '886313e1-3b8a-5372-9b90-0c9aee199e5d');
    const verb = '{"id": "http://adlnet.gov/expapi/verbs/initialized", "display": {"en": "initialized"}}';
    const actor =
      '{"objectType": "Agent", "account": {"name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb", "homePage": "http://localhost:18000"}}';
    assert.equal(
      openedxStatementId(verb, actor, '2023-09-08T15:58:04.833393+00:00'),
      'eb1aa991-fbf2-5ea4-a699-7533030f0c44',
    );
    assert.notEqual(
      openedxStatementId(verb, actor, '2023-09-08T15:58:04.833393+00:00', 'q_2_1'),
      openedxStatementId(verb, actor, '2023-09-08T15:58:04.833393+00:00'),
    );
    assert.throws(() => openedxUuid5('not-a-uuid', 'x'), TypeError);
  });
});
