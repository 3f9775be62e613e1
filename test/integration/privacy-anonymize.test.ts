// The `anonymize` privacy preset on the real stack: seeded personal values (e-mails, usernames,
// full names, IPs, session keys, user agents, profile URLs, free text holding an e-mail) go through
// ingest -> validate -> convert -> anonymize (ANONYMIZE_POLICY=anonymize) -> index, run in process.
// Then every document of the run's indices and every message this run put on xapi.anonymized.v1
// (values, keys, headers) is scanned for each value and its plain SHA-1 and MD5: zero hits. The
// preset's own promises are checked too: no pseudonym anywhere, no identifier shared by two
// statements of one learner, the preset id recorded, hour-coarsened times, and valid xAPI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { readFileSync } from 'node:fs';
import {
  anonymizedStatementId,
  parseEdxLine,
  validateEdxEvent,
  validateXapiStatement,
} from '@lrstream/domain';
import { createKafka, createSchemaCodec, parseBrokers, type Kafka } from '@lrstream/kafka';
import { TOPICS, type XapiAnonymized } from '@lrstream/schemas';
import {
  edxOracleStatements,
  indexedDocuments,
  postEdxLines,
  postStatements,
  requiredEnv as required,
  startInProcessPipeline,
  waitFor,
  type InProcessPipeline,
} from '@lrstream/test';

const LMS = 'https://lms.example.org';
const COURSE = 'course-v1:FUN+ANON101+2026_T1';
const POLICY_ID = 'anonymize@2';
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
type Json = Record<string, unknown>;

// ------------------------------------------------------------------ seeded personal values

interface Learner {
  userId: number;
  username: string;
  email: string;
  fullName: string;
  ip: string;
  session: string;
  userAgent: string;
  profileUrl: string;
  freeText: string;
}

function makeLearner(run: string, i: number): Learner {
  const username = `zq_${run}${i}`;
  const last = `Quenardel${run}${i}`;
  const email = `odile.${last.toLowerCase()}@example.org`;
  return {
    userId: 8_000_000 + Number.parseInt(run.slice(0, 5), 16) * 10 + i,
    username,
    email,
    fullName: `Odile ${last}`,
    ip: i % 2 ? `203.0.113.${20 + i}` : `2001:db8:${run.slice(0, 4)}::${(i + 20).toString(16)}`,
    session: randomBytes(16).toString('hex'),
    userAgent: `Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.${run.slice(0, 4)}.${i}`,
    profileUrl: `${LMS}/u/${username}`,
    freeText: `Write to ${email}, profile ${LMS}/u/${username}`,
  };
}

/** Every value that must never appear downstream (lower-cased), with its plain SHA-1 and MD5. */
function forbiddenForms(learners: Learner[]): Map<string, string> {
  const forms = new Map<string, string>();
  for (const l of learners)
    for (const v of [
      l.username,
      l.email,
      `mailto:${l.email}`,
      l.fullName,
      l.fullName.split(' ')[1] as string,
      l.ip,
      l.session,
      l.userAgent,
      l.profileUrl,
      l.freeText,
      String(l.userId),
    ]) {
      forms.set(v.toLowerCase(), v);
      forms.set(sha1(v), `sha1(${v})`);
      forms.set(md5(v), `md5(${v})`);
    }
  return forms;
}

const leaks = (text: string, forms: Map<string, string>) => {
  const lower = text.toLowerCase();
  return [...forms].filter(([form]) => lower.includes(form)).map(([, what]) => what);
};

function edxLines(l: Learner, t0: number): string[] {
  let clock = t0;
  const common = (eventType: string, source: 'browser' | 'server') => ({
    username: l.username,
    session: l.session,
    ip: l.ip,
    agent: l.userAgent,
    host: 'lms.example.org',
    referer: `${l.profileUrl}?email=${encodeURIComponent(l.email)}`,
    accept_language: 'fr-FR',
    event_source: source,
    event_type: eventType,
    name: eventType,
    time: new Date((clock += 7_013)).toISOString().replace('Z', '+00:00'),
    page: source === 'server' ? null : `${LMS}/courses/${COURSE}/courseware/?u=${l.username}`,
    context: { user_id: l.userId, org_id: 'FUN', course_id: COURSE, path: '/event', course_user_tags: {} },
  });
  const video = (currentTime: number) =>
    JSON.stringify({ id: 'block-v1:FUN+ANON101+2026_T1+type@video+block@v1', code: 'html5', currentTime });
  const block = 'b1c2d3e4f5a60718293a4b5c6d7e8f90';
  return [
    { ...common('play_video', 'browser'), event: video(3) },
    { ...common('pause_video', 'browser'), event: video(42) },
    {
      ...common('problem_check', 'server'),
      page: 'x_module',
      event: {
        answers: { [`${block}_2_1`]: l.freeText },
        attempts: 1,
        correct_map: {
          [`${block}_2_1`]: {
            correctness: 'incorrect',
            hint: '',
            hintmode: null,
            msg: '',
            npoints: null,
            queuestate: null,
          },
        },
        grade: 0,
        max_grade: 1,
        problem_id: `block-v1:FUN+ANON101+2026_T1+type@problem+block@${block}`,
        state: { correct_map: {}, done: null, input_state: {}, seed: 1, student_answers: {} },
        submission: {},
        success: 'incorrect',
      },
    },
    {
      ...common('edx.course.enrollment.activated', 'server'),
      event: { course_id: COURSE, mode: 'audit', user_id: l.userId },
    },
  ].map((e) => JSON.stringify(e));
}

function xapiStatements(l: Learner, run: string, t0: number): Json[] {
  const id = (n: number) => {
    const h = sha1(`${run}:${l.username}:${n}`);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  const context = {
    registration: id(99),
    instructor: {
      objectType: 'Agent',
      name: 'Prof Ambroise Telliac',
      mbox: `mailto:telliac.${run}@example.org`,
    },
    contextActivities: { parent: [{ id: `${LMS}/courses/${COURSE}`, objectType: 'Activity' }] },
    extensions: {
      'https://w3id.org/xapi/video/extensions/session-id': l.session,
      'https://w3id.org/xapi/video/extensions/user-agent': l.userAgent,
      'https://example.org/xapi/extensions/client-ip': l.ip,
    },
  };
  const video = {
    objectType: 'Activity',
    id: `https://marsha.example.org/videos/v1?viewer=${l.username}`,
    definition: { type: 'https://w3id.org/xapi/video/activity-type/video', moreInfo: l.profileUrl },
  };
  const at = (n: number) => new Date(t0 + n * 61_000).toISOString();
  const played = { id: 'https://w3id.org/xapi/video/verbs/played', display: { 'en-US': 'played' } };
  return [
    // The same person twice by mbox, once by its SHA-1: the preset must not link them.
    {
      id: id(1),
      actor: { objectType: 'Agent', name: l.fullName, mbox: `mailto:${l.email}` },
      verb: played,
      object: video,
      result: { extensions: { 'https://w3id.org/xapi/video/extensions/time': 12 } },
      context,
      authority: { objectType: 'Agent', account: { homePage: LMS, name: `marsha-${run}` } },
      timestamp: at(1),
    },
    {
      id: id(2),
      actor: { objectType: 'Agent', name: l.fullName, mbox: `mailto:${l.email}` },
      verb: { id: 'https://w3id.org/xapi/video/verbs/paused', display: { 'en-US': 'paused' } },
      object: video,
      context,
      timestamp: at(2),
    },
    {
      id: id(3),
      actor: { objectType: 'Agent', name: l.fullName, mbox_sha1sum: sha1(`mailto:${l.email}`) },
      verb: { id: 'http://adlnet.gov/expapi/verbs/answered' },
      object: {
        objectType: 'Activity',
        id: `${LMS}/xblock/block-v1:FUN+ANON101+2026_T1+type@problem+block@q2`,
        definition: {
          type: 'http://adlnet.gov/expapi/activities/cmi.interaction',
          interactionType: 'long-fill-in',
        },
      },
      result: { response: l.freeText, success: false },
      context,
      timestamp: at(3),
    },
    {
      id: id(4),
      actor: { objectType: 'Agent', account: { homePage: LMS, name: l.username } },
      verb: { id: 'https://w3id.org/xapi/acrossx/verbs/posted' },
      object: {
        objectType: 'SubStatement',
        actor: { objectType: 'Agent', name: l.fullName, openid: `${l.profileUrl}/openid` },
        verb: { id: 'http://adlnet.gov/expapi/verbs/asked' },
        object: {
          objectType: 'Activity',
          id: `${LMS}/discussion/${l.username}/t1`,
          definition: {
            type: 'http://id.tincanapi.com/activitytype/discussion',
            name: { en: `Help ${l.fullName}, mail ${l.email}` },
          },
        },
      },
      timestamp: at(4),
    },
  ];
}

// ------------------------------------------------------------------ Kafka read-back

type Offsets = Map<number, bigint>;

async function endOffsets(kafka: Kafka, topic: string): Promise<Offsets> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

interface RawMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, unknown>;
  timestamp: string;
}

/** Every message of [from, to) on each partition of the topic. */
async function readRange(kafka: Kafka, topic: string, from: Offsets, to: Offsets, group: string) {
  const wanted = [...to].filter(([p, end]) => end > (from.get(p) ?? 0n));
  const messages: RawMessage[] = [];
  if (wanted.length === 0) return messages;
  const next = new Map(wanted.map(([p]) => [p, from.get(p) ?? 0n]));
  const consumer = kafka.consumer({ groupId: group });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const offset = BigInt(message.offset);
      const expected = next.get(partition);
      if (expected === undefined || offset < expected || offset >= (to.get(partition) ?? 0n)) return;
      messages.push({
        key: message.key,
        value: message.value,
        headers: message.headers ?? {},
        timestamp: message.timestamp,
      });
      next.set(partition, offset + 1n);
    },
  });
  for (const [partition] of wanted)
    consumer.seek({ topic, partition, offset: String(from.get(partition) ?? 0n) });
  try {
    await waitFor(
      `messages of ${topic} in the run's offset range`,
      async () => (wanted.every(([p, end]) => (next.get(p) ?? 0n) >= end) ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** The actor's identifier as written by the policy (the random account name under this preset). */
const actorId = (statement: Json): string => {
  const actor = statement.actor as { account?: { name?: string } } | undefined;
  return String(actor?.account?.name);
};

// ------------------------------------------------------------------ the test

describe('privacy: the anonymize preset on the real stack', { timeout: 600_000 }, () => {
  const run = randomUUID().replace(/-/g, '').slice(0, 8);
  const indexPrefix = `lrstream-anon-${run}`;
  const learners = Array.from({ length: 6 }, (_, i) => makeLearner(run, i));
  const forms = forbiddenForms(learners);
  const t0 = Date.UTC(2026, 10, 4, 9, 17, 23);
  const edx = new Map(learners.map((l, i) => [l.username, edxLines(l, t0 + i * 3_600_000)]));
  const xapi = new Map(learners.map((l, i) => [l.username, xapiStatements(l, run, t0 + i * 3_600_000)]));
  let pipeline: InProcessPipeline;
  let es: Client;
  let kafka: Kafka;
  let from: Offsets = new Map();
  let to: Offsets = new Map();
  let docs = new Map<string, Json>();

  /** Statement ids per learner (the domain converter is the oracle for edX ids). */
  const expected = new Map<string, { edx: string[]; xapi: string[] }>();
  for (const l of learners) {
    const edxIds: string[] = [];
    for (const line of edx.get(l.username) ?? []) {
      const parsed = parseEdxLine(line);
      assert.ok(parsed.ok, 'the generator writes parseable edX lines');
      const check = validateEdxEvent(parsed.event, { mode: 'lenient' });
      assert.notEqual(
        check.status,
        'invalid',
        `valid edX (as validate sees it): ${JSON.stringify(check.issues)}`,
      );
      for (const s of edxOracleStatements(parsed.event.original, LMS)) edxIds.push(String(s.id));
    }
    const statements = xapi.get(l.username) ?? [];
    for (const s of statements)
      assert.deepEqual(validateXapiStatement(s), [], 'the generator writes valid xAPI');
    expected.set(l.username, { edx: edxIds, xapi: statements.map((s) => String(s.id)) });
  }
  let allIds = [...expected.values()].flatMap((e) => [...e.edx, ...e.xapi]);

  const indexed = (ids: string[]) => indexedDocuments(es, indexPrefix, ids);

  before(async () => {
    kafka = createKafka({ brokers: parseBrokers(required('KAFKA_BROKERS')), clientId: `anon-${run}` });
    from = await endOffsets(kafka, TOPICS.xapiAnonymized);
    pipeline = await startInProcessPipeline({
      name: 'anon',
      run,
      platformUrl: LMS,
      startFrom: 'latest',
      anonymizePolicy: 'anonymize',
    });
    es = pipeline.es;
    // The anonymized zone holds keyed statement ids (issue leak 9): expect those, under the run's key.
    const secret = Buffer.from(readFileSync(String(pipeline.env.ANONYMIZE_KEY_FILE), 'utf8').trim());
    const keyed = (id: string) => anonymizedStatementId(id, { id: 'k1', secret }, 'anonymize');
    for (const [u, e] of expected) expected.set(u, { edx: e.edx.map(keyed), xapi: e.xapi.map(keyed) });
    allIds = [...expected.values()].flatMap((e) => [...e.edx, ...e.xapi]);
  });

  after(async () => {
    await pipeline?.stop();
  });

  test('every seeded event (edX and xAPI) is indexed', async () => {
    for (const l of learners) {
      await postEdxLines(pipeline, edx.get(l.username) ?? []);
      await postStatements(pipeline, xapi.get(l.username) ?? []);
    }
    docs = await waitFor(
      'every seeded statement in Elasticsearch',
      async () => {
        const found = await indexed(allIds);
        return found.size === allIds.length ? found : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    ).catch(async (err: unknown) => {
      const found = await indexed(allIds);
      const missing = [...expected].map(([u, e]) => ({
        u,
        edx: e.edx.map((id) => found.has(id)),
        xapi: e.xapi.map((id) => found.has(id)),
      }));
      throw new Error(`${String(err)}: ${JSON.stringify(missing)}`);
    });
    assert.equal(docs.size, allIds.length);
    to = await endOffsets(kafka, TOPICS.xapiAnonymized);
  });

  test('zero hits in Elasticsearch: every document of the run indices', async () => {
    const hits: unknown[] = [];
    let after: unknown[] | undefined;
    for (;;) {
      const page = await es.search({
        index: `${indexPrefix}*`,
        size: 1000,
        sort: [{ _doc: { order: 'asc' } }],
        ...(after ? { search_after: after as never } : {}),
      });
      hits.push(...page.hits.hits);
      const last = page.hits.hits.at(-1);
      if (!last || page.hits.hits.length < 1000) break;
      after = last.sort;
    }
    assert.ok(hits.length >= allIds.length, `${hits.length} documents scanned`);
    assert.deepEqual(leaks(JSON.stringify(hits), forms), []);
    // The scan can fail: the identified input does hold the values it looks for.
    assert.ok(
      leaks(JSON.stringify([...edx.values(), ...xapi.values()]), forms).length >= learners.length * 8,
    );
  });

  test('Elasticsearch: no pseudonym, the preset id recorded, times coarsened to the hour', () => {
    assert.equal(docs.size, allIds.length, 'every statement of the run read back');
    for (const [id, doc] of docs) {
      const envelope = doc.lrstream as Json;
      assert.equal(envelope.actor_pseudonym ?? null, null, `${id}: lrstream.actor_pseudonym`);
      assert.equal(envelope.policy, POLICY_ID, `${id}: lrstream.policy`);
      assert.equal(
        Date.parse(String(doc.timestamp)) % 3_600_000,
        0,
        `${id}: timestamp ${String(doc.timestamp)}`,
      );
      assert.equal(Date.parse(String(envelope.received_at)) % 3_600_000, 0, `${id}: received_at`);
      assert.equal(
        Date.parse(String(envelope.indexed_at)) % 3_600_000,
        0,
        `${id}: indexed_at is coarsened too`,
      );
      const context = (doc.context ?? {}) as Json;
      assert.equal(context.registration, undefined, `${id}: registration dropped`);
      assert.equal(context.instructor, undefined, `${id}: other agents dropped`);
      assert.equal(doc.authority, undefined, `${id}: authority dropped`);
    }
  });

  test('zero hits on xapi.anonymized.v1 (values, keys, headers); no pseudonym; key = statement id', async () => {
    const codec = createSchemaCodec({ url: required('SCHEMA_REGISTRY_URL') });
    const messages = await readRange(kafka, TOPICS.xapiAnonymized, from, to, `anon-${run}-scan`);
    const decoded = await Promise.all(
      messages.map(async (m) => (m.value ? await codec.decode<XapiAnonymized>(m.value) : null)),
    );
    const text = [
      ...messages.map(
        (m) =>
          `${m.key?.toString('utf8') ?? ''}\n${JSON.stringify(m.headers)}\n${m.value?.toString('latin1') ?? ''}`,
      ),
      JSON.stringify(decoded, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
    ].join('\n');
    assert.deepEqual(leaks(text, forms), [], `${messages.length} messages scanned`);
    const ids = new Set(allIds);
    const mine = messages
      .map((m, i) => ({
        key: m.key?.toString('utf8'),
        headers: m.headers,
        timestamp: m.timestamp,
        record: decoded[i],
      }))
      .filter((m) => m.record && ids.has(m.record.statement_id));
    assert.equal(
      new Set(mine.map((m) => m.record?.statement_id)).size,
      allIds.length,
      'every statement read back',
    );
    for (const { key, headers, timestamp, record } of mine) {
      assert.ok(record);
      assert.equal(Number(timestamp) % 3_600_000, 0, 'the Kafka record time is coarsened too');
      assert.equal(record.time_granularity_ms, 3_600_000);
      assert.equal(record.actor_pseudonym, null, `${record.statement_id}: actor_pseudonym`);
      assert.equal(record.policy, POLICY_ID);
      assert.equal(key, record.statement_id, 'no pseudonym: the Kafka key is the statement id');
      assert.deepEqual(Object.keys(headers), [], 'no headers');
    }
  });

  test('no stable learner identifier: one learner, one identifier, a different actor every time', () => {
    const seen = new Map<string, string>();
    for (const [username, ids] of expected) {
      // Same identifier in the input: the 2 mbox statements, the 4 edX statements (one user id).
      for (const group of [ids.xapi.slice(0, 2), ids.edx]) {
        const actors = group.map((id) => actorId(docs.get(id) ?? {}));
        assert.equal(new Set(actors).size, group.length, `${username}: ${actors.join(', ')}`);
      }
      for (const id of [...ids.edx, ...ids.xapi]) {
        const actor = actorId(docs.get(id) ?? {});
        assert.match(actor, /^[0-9a-f]{32}$/, `${id}: a random actor account`);
        assert.ok(!seen.has(actor), `${id} shares its actor with ${seen.get(actor)}`);
        seen.set(actor, id);
      }
    }
    assert.equal(seen.size, allIds.length);
  });

  test('every indexed statement is still valid xAPI', () => {
    assert.equal(docs.size, allIds.length, 'every statement of the run read back');
    for (const [id, doc] of docs) {
      const statement: Json = { ...doc };
      delete statement.lrstream;
      assert.deepEqual(validateXapiStatement(statement), [], `${id}: ${JSON.stringify(statement)}`);
    }
  });
});
