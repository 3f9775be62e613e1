import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  EDX_PARSE_ISSUE,
  decodeEdxQueryString,
  extractEdxEsSource,
  extractEdxGelf,
  listEdxEsHits,
  normalizeEdxRecord,
  parseEdxLine,
} from '../../src/edx/index.js';
import type { EdxEvent } from '../../src/edx/index.js';
import { baseEvent } from './fixtures.js';

function parsed(line: string): EdxEvent & { format: string } {
  const r = parseEdxLine(line);
  if (!r.ok) assert.fail(`expected a parse, got ${r.issue.code}`);
  return { ...r.event, format: r.format };
}

const play = baseEvent('UIPlayVideo');
const playJson = JSON.stringify(play);

describe('parseEdxLine: line formats', () => {
  it('reads plain JSON, with surrounding spaces', () => {
    for (const line of [playJson, `  ${playJson}\r`]) {
      const e = parsed(line);
      assert.equal(e.format, 'json');
      assert.equal(e.eventType, 'play_video');
      assert.equal(e.shape, 'tracking');
    }
  });

  it('refuses a line starting with a byte order mark, as Ralph (json.loads) does', () => {
    const r = parseEdxLine(`\ufeff${playJson}`);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.issue.code, EDX_PARSE_ISSUE.bom);
  });

  it('strips syslog, ISO-timestamp and Python logging prefixes', () => {
    const prefixes = [
      '2024-01-01T00:00:00+00:00 lms-1 tracking: ',
      'Jan  1 00:00:00 lms-1 tracking[123]: ',
      '<134>Jan  1 00:00:00 lms-1 tracking: ',
      '2023-05-23 13:53:13,461 INFO 20 [tracking] [user None] [ip None] logger.py:41 - ',
    ];
    for (const prefix of prefixes) {
      const e = parsed(prefix + playJson);
      assert.equal(e.format, 'prefixed');
      assert.equal(e.eventSource, 'browser');
      assert.deepEqual(e.original, play);
    }
  });

  it('unwraps GELF records, including a prefixed short_message', () => {
    const gelf = { version: '1.1', host: 'lms-1', short_message: 'lms-1 tracking: ' + playJson, level: 6 };
    const e = parsed(JSON.stringify(gelf));
    assert.equal(e.format, 'gelf');
    assert.equal(e.eventType, 'play_video');
    const direct = extractEdxGelf({ ...gelf, short_message: playJson });
    assert.ok(direct.ok && direct.value.event_type === 'play_video');
  });

  it('reports GELF records without an edX message', () => {
    const r = extractEdxGelf({ version: '1.1', host: 'h', short_message: 'no json here' });
    assert.ok(!r.ok);
    assert.equal(r.issue.code, EDX_PARSE_ISSUE.gelf);
    const bad = parseEdxLine(JSON.stringify({ version: '1.1', host: 'h', short_message: 'x {"a":' }));
    assert.ok(!bad.ok && bad.issue.code === EDX_PARSE_ISSUE.json && bad.issue.pointer === '/short_message');
  });

  it('takes the document from an Elasticsearch hit and lists hits of a response', () => {
    const hit = { _index: 'edx', _id: '1', _source: play };
    const r = extractEdxEsSource(hit);
    assert.ok(r.ok && r.value.event_type === 'play_video');
    const missing = extractEdxEsSource({ _id: '1' });
    assert.ok(!missing.ok && missing.issue.pointer === '/_source' && missing.issue.got === 'nothing');
    assert.deepEqual(listEdxEsHits({ hits: { hits: [hit, hit] } }).length, 2);
    assert.deepEqual(listEdxEsHits({ took: 1 }), []);
  });

  it('reports empty lines, lines without JSON, broken JSON and non-objects', () => {
    const cases: [string, string][] = [
      ['   ', EDX_PARSE_ISSUE.empty],
      ['Jan  1 00:00:00 host tracking: nothing', EDX_PARSE_ISSUE.noJson],
      ['{"event_type": "x", ', EDX_PARSE_ISSUE.json],
      ['prefix {"a": }', EDX_PARSE_ISSUE.json],
      ['[1, 2]', EDX_PARSE_ISSUE.noJson],
      ['prefix [{"a": 1}]', EDX_PARSE_ISSUE.json],
    ];
    for (const [line, code] of cases) {
      const r = parseEdxLine(line);
      assert.ok(!r.ok, line);
      assert.equal(r.issue.code, code, line);
      assert.equal(r.issue.pointer, '');
    }
    const notObject = parseEdxLine('"just a string"');
    assert.ok(!notObject.ok);
  });

  it('never puts the line content into a JSON error', () => {
    const r = parseEdxLine('{"username": "secret-person", oops}');
    assert.ok(!r.ok);
    assert.ok(!JSON.stringify(r.issue).includes('secret-person'));
    assert.match(r.issue.got ?? '', /character \d+/);
  });
});

describe('payload decoding (event is not parsed in place)', () => {
  it('keeps object payloads as they are', () => {
    const e = normalizeEdxRecord(baseEvent('ProblemCheck'));
    assert.equal(e.payloadEncoding, 'object');
    assert.equal(e.payload, e.record.event);
  });

  it('decodes JSON-string payloads into payload, leaving record.event a string', () => {
    const rec = { ...play, event: JSON.stringify(play.event) };
    const e = normalizeEdxRecord(rec);
    assert.equal(e.payloadEncoding, 'json-string');
    assert.equal(typeof e.record.event, 'string');
    assert.deepEqual(e.payload, play.event);
  });

  it('decodes URL-encoded problem_check forms, repeated keys as arrays', () => {
    const form = 'input_abc_2_1=choice_1&input_abc_3_1=x+y&input_abc_4_1%5B%5D=a&input_abc_4_1%5B%5D=b';
    const e = normalizeEdxRecord({ ...baseEvent('UIProblemCheck'), event: form });
    assert.equal(e.payloadEncoding, 'query-string');
    assert.deepEqual(e.payload, {
      input_abc_2_1: 'choice_1',
      input_abc_3_1: 'x y',
      'input_abc_4_1[]': ['a', 'b'],
    });
    assert.deepEqual(decodeEdxQueryString('a=1&a=2&a=3'), { a: ['1', '2', '3'] });
  });

  it('keeps arrays (problem_graded), truncated JSON and plain strings', () => {
    assert.equal(normalizeEdxRecord({ event: ['a', null] }).payloadEncoding, 'array');
    const cut = normalizeEdxRecord({ event: '{"GET": {"a": ["b"]}, "POST": {"c' });
    assert.equal(cut.payloadEncoding, 'string');
    assert.equal(cut.payload, '{"GET": {"a": ["b"]}, "POST": {"c');
    assert.equal(normalizeEdxRecord({ event: 'hello world' }).payloadEncoding, 'string');
    assert.equal(normalizeEdxRecord({ event: null }).payloadEncoding, 'none');
    assert.equal(normalizeEdxRecord({}).payloadEncoding, 'none');
  });
});

describe('async (name/timestamp/data) events', () => {
  const asyncEvent = {
    name: 'load_video',
    timestamp: '2020-07-15T06:43:07.277053+00:00',
    context: {
      course_id: 'course-v1:edX+DemoX+Demo_Course',
      org_id: 'edX',
      path: '/event',
      user_id: 3,
      username: 'edx',
      ip: '172.18.0.1',
      session: '993110e9c27848a545da74a74114158d',
      agent: 'Mozilla/5.0',
      host: 'localhost:18000',
      referer: 'http://localhost:18000/x',
      accept_language: 'en',
      page: 'http://localhost:18000/courses/x',
      event_source: 'browser',
    },
    data: { id: 'v1', code: 'html5', duration: 0 },
  };

  it('maps onto the tracking-log shape without touching the input', () => {
    const before = structuredClone(asyncEvent);
    const e = normalizeEdxRecord(asyncEvent);
    assert.deepEqual(asyncEvent, before);
    assert.equal(e.shape, 'async');
    assert.equal(e.original, asyncEvent);
    const r = e.record;
    assert.equal(r.event_type, 'load_video');
    assert.equal(r.name, 'load_video');
    assert.equal(r.event_source, 'browser');
    assert.equal(r.time, asyncEvent.timestamp);
    assert.equal(r.username, 'edx');
    assert.equal(r.page, asyncEvent.context.page);
    assert.deepEqual(r.event, asyncEvent.data);
    assert.equal('data' in r || 'timestamp' in r, false);
    const ctx = r.context as Record<string, unknown>;
    assert.equal('username' in ctx || 'event_source' in ctx || 'page' in ctx, false);
    assert.equal(ctx.user_id, 3);
    assert.equal(e.userId, '3');
    assert.equal(e.courseId, 'course-v1:edX+DemoX+Demo_Course');
  });

  it('defaults event_source to server, page to null and request fields to ""', () => {
    const e = normalizeEdxRecord({
      name: 'edx.course.enrollment.activated',
      timestamp: 't',
      context: {},
      data: {},
    });
    assert.equal(e.record.event_source, 'server');
    assert.equal(e.record.page, null);
    assert.equal(e.record.ip, '');
    assert.equal(e.record.username, '');
    assert.equal(e.username, undefined);
  });
});

describe('field variety', () => {
  it('parses IPv6, unicode and every user_id form', () => {
    for (const [userId, expected] of [
      [7, '7'],
      ['7', '7'],
      ['', undefined],
      [null, undefined],
    ] as const) {
      const rec = {
        ...play,
        ip: '2001:db8::1',
        username: 'Zoë_李',
        context: { ...(play.context as object), user_id: userId },
      };
      const e = parsed(JSON.stringify(rec));
      assert.equal(e.userId, expected);
      assert.equal(e.username, 'Zoë_李');
      assert.equal(e.record.ip, '2001:db8::1');
    }
  });
});
