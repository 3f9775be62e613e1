// Privacy on the real stack: events carrying known personal values (e-mails, usernames, full
// names, IPv4/IPv6 addresses, session keys, user agents, profile URLs, free text holding an e-mail)
// go through ingest -> validate -> convert -> anonymize -> index. Then EVERY document of the run's
// Elasticsearch indices and EVERY message this run put on xapi.anonymized.v1 and dlq.anonymized.v1
// (values, keys, headers) is scanned for each value and its plain SHA-1 and MD5: zero hits.
// The anonymize service runs as a child process so that its real log output can be checked too.
// Finally the run's slice of xapi.identified.v1 is replayed with a new key: every pseudonym changes.
// The open-data export is checked at the end, on a generated dataset with enough learners.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@elastic/elasticsearch';
import {
  anonymizedStatementId,
  applyPrivacyPolicy,
  parseEdxLine,
  parsePolicy,
  validateXapiStatement,
} from '@lrstream/domain';
import { createKafka, createSchemaCodec, parseBrokers, type Kafka } from '@lrstream/kafka';
import { TOPICS, type XapiAnonymized } from '@lrstream/schemas';
import { generateSample, main as cli } from '@lrstream/cli';
import { startAnonymize } from '@lrstream/anonymize';
import { buildAnonymizedDocument } from '@lrstream/index';
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

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LMS = 'https://lms.example.org';
const COURSE = 'course-v1:FUN+PRIV101+2026_T1';
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

// ------------------------------------------------------------------ the seeded personal values

interface Learner {
  userId: number;
  username: string;
  email: string;
  fullName: string;
  ipv4: string;
  ipv6: string;
  session: string;
  userAgent: string;
  profileUrl: string;
  freeText: string;
}

function makeLearner(run: string, i: number): Learner {
  const tag = `${run}${i}`;
  const first = ['Ysolde', 'Aurèle', 'Bérénice', 'Gaspard'][i % 4] as string;
  const last = `Varnier${tag}`;
  const username = `yv_${tag}`;
  const email = `${first.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()}.${last.toLowerCase()}@example.org`;
  return {
    userId: 7_000_000 + Number.parseInt(run.slice(0, 5), 16) * 10 + i,
    username,
    email,
    fullName: `${first} ${last}`,
    ipv4: `203.0.113.${10 + i}`,
    ipv6: `2001:db8:${run.slice(0, 4)}::${(i + 10).toString(16)}`,
    session: randomBytes(16).toString('hex'),
    userAgent: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.${run.slice(0, 4)}.${i} Safari/537.36`,
    profileUrl: `${LMS}/u/${username}`,
    freeText: `Please write to me at ${email}, my profile is ${LMS}/u/${username}`,
  };
}

/** Every value that must never appear downstream, with its plain SHA-1 and MD5 (and mbox sum). */
function forbiddenForms(learners: Learner[]): Map<string, string> {
  const forms = new Map<string, string>();
  for (const l of learners) {
    const values = [
      l.username,
      l.email,
      `mailto:${l.email}`,
      l.fullName,
      l.fullName.split(' ')[1] as string,
      l.ipv4,
      l.ipv6,
      l.session,
      l.userAgent,
      l.profileUrl,
      l.freeText,
    ];
    for (const v of values) {
      forms.set(v.toLowerCase(), v);
      forms.set(sha1(v), `sha1(${v})`);
      forms.set(md5(v), `md5(${v})`);
    }
  }
  return forms;
}

function leaks(text: string, forms: Map<string, string>): string[] {
  const lower = text.toLowerCase();
  return [...forms].filter(([form]) => lower.includes(form)).map(([, what]) => what);
}

// ------------------------------------------------------------------ the generator

function edxLines(l: Learner, t0: number): string[] {
  let clock = t0;
  const iso = () => new Date((clock += 7_000)).toISOString().replace('Z', '+00:00');
  const common = (eventType: string, source: 'browser' | 'server', path = '/event') => ({
    username: l.username,
    session: l.session,
    ip: l.userId % 2 ? l.ipv4 : l.ipv6,
    agent: l.userAgent,
    host: 'lms.example.org',
    referer: `${l.profileUrl}?tab=courses&email=${encodeURIComponent(l.email)}`,
    accept_language: 'fr-FR,fr;q=0.9',
    event_source: source,
    event_type: eventType,
    name: eventType,
    time: iso(),
    page: source === 'server' ? null : `${LMS}/courses/${COURSE}/courseware/?u=${l.username}`,
    context: { user_id: l.userId, org_id: 'FUN', course_id: COURSE, path, course_user_tags: {} },
  });
  const video = `block-v1:FUN+PRIV101+2026_T1+type@video+block@v1`;
  const payload = (extra: object) => JSON.stringify({ id: video, code: 'html5', duration: 600, ...extra });
  const block = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const threadPath = `/courses/${COURSE}/discussion/forum/general/threads/create`;
  return [
    { ...common('load_video', 'browser'), event: payload({}) },
    { ...common('play_video', 'browser'), event: payload({ currentTime: 3 }) },
    { ...common('pause_video', 'browser'), event: payload({ currentTime: 42 }) },
    {
      ...common('problem_check', 'server', '/courses/x/xblock/handler'),
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
        problem_id: `block-v1:FUN+PRIV101+2026_T1+type@problem+block@${block}`,
        state: { correct_map: {}, done: null, input_state: {}, seed: 1, student_answers: {} },
        submission: {},
        success: 'incorrect',
      },
    },
    {
      ...common('edx.forum.thread.created', 'server', threadPath),
      event: {
        id: `t${l.userId}`,
        title: `Question from ${l.fullName} (${l.email})`,
        body: `${l.freeText} -- ${l.username}`,
        thread_type: 'question',
        category_id: 'general',
        category_name: 'General',
        commentable_id: 'general',
        discussion: { id: `t${l.userId}` },
        url: `${LMS}${threadPath}?author=${l.username}`,
        user_forums_roles: ['Student'],
        user_course_roles: [],
        options: { followed: true },
        anonymous: false,
        anonymous_to_peers: false,
        group_id: null,
        truncated: false,
        team_id: null,
      },
    },
    {
      ...common('edx.course.enrollment.activated', 'server'),
      event: { course_id: COURSE, mode: 'audit', user_id: l.userId },
    },
  ].map((e) => JSON.stringify(e));
}

const EXT = {
  session: 'https://w3id.org/xapi/video/extensions/session-id',
  userAgent: 'https://w3id.org/xapi/video/extensions/user-agent',
  ip: 'https://example.org/xapi/extensions/client-ip',
  referer: 'https://example.org/xapi/extensions/referer',
};

function xapiStatements(l: Learner, run: string, t0: number): Record<string, unknown>[] {
  const id = (n: number) => {
    const h = sha1(`${run}:${l.username}:${n}`);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  const context = {
    registration: id(99),
    instructor: {
      objectType: 'Agent',
      name: 'Prof Héloïse Quintard',
      mbox: `mailto:quintard.${run}@example.org`,
    },
    team: {
      objectType: 'Group',
      name: `Team of ${l.fullName}`,
      member: [{ objectType: 'Agent', name: l.fullName, account: { homePage: LMS, name: l.username } }],
    },
    platform: 'Marsha',
    contextActivities: { parent: [{ id: `${LMS}/courses/${COURSE}`, objectType: 'Activity' }] },
    extensions: {
      [EXT.session]: l.session,
      [EXT.userAgent]: l.userAgent,
      [EXT.ip]: l.ipv4,
      [EXT.referer]: `${l.profileUrl}?from=${encodeURIComponent(l.email)}`,
    },
  };
  const authority = {
    objectType: 'Agent',
    name: 'Marsha LTI',
    account: { homePage: LMS, name: `marsha-${run}` },
  };
  const time = (n: number) => new Date(t0 + n * 60_000).toISOString();
  return [
    {
      id: id(1),
      actor: { objectType: 'Agent', name: l.fullName, mbox: `mailto:${l.email}` },
      verb: { id: 'https://w3id.org/xapi/video/verbs/played', display: { 'en-US': 'played' } },
      object: {
        objectType: 'Activity',
        id: `https://marsha.example.org/videos/v1?viewer=${l.username}`,
        definition: { type: 'https://w3id.org/xapi/video/activity-type/video', moreInfo: l.profileUrl },
      },
      result: { extensions: { 'https://w3id.org/xapi/video/extensions/time': 12 } },
      context,
      authority,
      timestamp: time(1),
    },
    {
      id: id(2),
      actor: { objectType: 'Agent', name: l.fullName, mbox_sha1sum: sha1(`mailto:${l.email}`) },
      verb: { id: 'http://adlnet.gov/expapi/verbs/answered', display: { 'en-US': 'answered' } },
      object: {
        objectType: 'Activity',
        id: `${LMS}/xblock/block-v1:FUN+PRIV101+2026_T1+type@problem+block@q2`,
        definition: {
          type: 'http://adlnet.gov/expapi/activities/cmi.interaction',
          interactionType: 'long-fill-in',
        },
      },
      result: { response: l.freeText, success: false },
      context,
      timestamp: time(2),
    },
    {
      id: id(3),
      actor: { objectType: 'Agent', name: l.fullName, account: { homePage: LMS, name: l.username } },
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
      context: { ...context, registration: undefined, platform: undefined },
      timestamp: time(3),
    },
  ];
}

// ------------------------------------------------------------------ Kafka helpers

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
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, unknown>;
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
      const end = to.get(partition) ?? 0n;
      const expected = next.get(partition);
      if (expected === undefined || offset < expected || offset >= end) return;
      messages.push({ partition, key: message.key, value: message.value, headers: message.headers ?? {} });
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

const headerText = (headers: Record<string, unknown>) =>
  Object.entries(headers)
    .map(([k, v]) => `${k}=${Buffer.isBuffer(v) ? v.toString('utf8') : String(v)}`)
    .join('\n');

// ------------------------------------------------------------------ the test

describe('privacy: zero leak on the real stack', { timeout: 900_000 }, () => {
  const run = randomUUID().replace(/-/g, '').slice(0, 8);
  const dir = mkdtempSync(join(tmpdir(), `lrstream-privacy-${run}-`));
  const indexPrefix = `lrstream-privacy-${run}`;
  const learners = Array.from({ length: 8 }, (_, i) => makeLearner(run, i));
  const forms = forbiddenForms(learners);
  const t0 = Date.UTC(2026, 10, 3, 9);
  const edx = new Map(learners.map((l, i) => [l.username, edxLines(l, t0 + i * 3_600_000)]));
  const xapi = new Map(learners.map((l, i) => [l.username, xapiStatements(l, run, t0 + i * 3_600_000)]));
  const secrets = { k1: randomBytes(32).toString('hex'), k2: randomBytes(32).toString('hex') };
  let pipeline: InProcessPipeline;
  const logLines: string[] = [];
  let anonymizeChild: ChildProcess | undefined;
  let anonymizeMetricsPort = 0;
  let env: NodeJS.ProcessEnv;
  let es: Client;
  let kafka: Kafka;
  const start: Record<string, Offsets> = {};
  const end: Record<string, Offsets> = {};

  /** Statement ids per learner and identifier kind, with the domain as the oracle for edX. */
  const rawExpected = new Map<string, { edx: string[]; xapiMbox: string[]; xapiAccount: string[] }>();
  for (const l of learners) {
    const edxIds: string[] = [];
    for (const line of edx.get(l.username) ?? []) {
      const parsed = parseEdxLine(line);
      assert.ok(parsed.ok, 'the generator writes parseable edX lines');
      for (const s of edxOracleStatements(parsed.event.original, LMS)) edxIds.push(String(s.id));
    }
    const statements = xapi.get(l.username) ?? [];
    for (const s of statements)
      assert.deepEqual(validateXapiStatement(s), [], 'the generator writes valid xAPI');
    rawExpected.set(l.username, {
      edx: edxIds,
      xapiMbox: statements.slice(0, 2).map((s) => String(s.id)),
      xapiAccount: statements.slice(2).map((s) => String(s.id)),
    });
  }
  // The anonymized zone holds keyed statement ids (issue leak 9): under k1 first, k2 after the replay.
  const keyedUnder = (keyId: 'k1' | 'k2') => {
    const key = { id: keyId, secret: Buffer.from(secrets[keyId]) };
    const keyed = (ids: string[]) => ids.map((id) => anonymizedStatementId(id, key, 'pseudonymize'));
    return new Map(
      [...rawExpected].map(([u, e]) => [
        u,
        { edx: keyed(e.edx), xapiMbox: keyed(e.xapiMbox), xapiAccount: keyed(e.xapiAccount) },
      ]),
    );
  };
  const expected = keyedUnder('k1');
  const allIds = [...expected.values()].flatMap((e) => [...e.edx, ...e.xapiMbox, ...e.xapiAccount]);
  const expectedK2 = keyedUnder('k2');
  const allIdsK2 = [...expectedK2.values()].flatMap((e) => [...e.edx, ...e.xapiMbox, ...e.xapiAccount]);

  function startAnonymizeChild(childEnv: NodeJS.ProcessEnv): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/anonymize/src/main.ts'], {
      cwd: ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    anonymizeChild = child;
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      logLines.push(...lines.filter(Boolean));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    return waitFor(
      'the anonymize child process to start and join its group',
      async () => {
        if (child.exitCode !== null) throw new Error(`anonymize exited: ${logLines.join('\n')}`);
        const started = logLines
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => l.msg === 'anonymize started');
        if (!started) return undefined;
        anonymizeMetricsPort = Number(started.metricsPort);
        const ok = await fetch(`http://127.0.0.1:${anonymizeMetricsPort}/readyz`).then((r) => r.ok);
        return ok ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    ).then(() => undefined);
  }

  async function stopAnonymizeChild(): Promise<void> {
    const child = anonymizeChild;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  const postEdx = (lines: string[]) => postEdxLines(pipeline, lines);
  const postXapi = (statements: Record<string, unknown>[]) => postStatements(pipeline, statements);
  const indexed = (ids: string[]) => indexedDocuments(es, indexPrefix, ids);

  before(async () => {
    writeFileSync(join(dir, 'ring-k1.json'), JSON.stringify({ active: 'k1', keys: { k1: secrets.k1 } }));
    writeFileSync(join(dir, 'ring-k2.json'), JSON.stringify({ active: 'k2', keys: secrets }));
    kafka = createKafka({ brokers: parseBrokers(required('KAFKA_BROKERS')), clientId: `privacy-${run}` });
    for (const topic of [TOPICS.xapiIdentified, TOPICS.xapiAnonymized, TOPICS.deadLetterAnonymized])
      start[topic] = await endOffsets(kafka, topic);
    pipeline = await startInProcessPipeline({
      name: 'privacy',
      run,
      dir,
      platformUrl: LMS,
      startFrom: 'latest',
      anonymizeKeyFile: false,
      starters: {
        // A child process, so that its real log output can be checked.
        anonymize: async (anonymizeEnv) => {
          await startAnonymizeChild({
            ...anonymizeEnv,
            ANONYMIZE_KEYRING_FILE: join(dir, 'ring-k1.json'),
            LOG_LEVEL: 'debug',
          });
          return { stop: stopAnonymizeChild };
        },
      },
    });
    env = pipeline.env;
    es = pipeline.es;
  });

  after(async () => {
    await stopAnonymizeChild();
    await pipeline?.stop();
  });

  test('every seeded event (edX and xAPI) is indexed', async () => {
    for (const l of learners) {
      await postEdx(edx.get(l.username) ?? []);
      await postXapi(xapi.get(l.username) ?? []);
    }
    const found = await waitFor(
      'every seeded statement in Elasticsearch',
      async () => {
        const f = await indexed(allIds);
        return f.size === allIds.length ? f : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 1000 },
    );
    assert.equal(found.size, allIds.length);
    for (const topic of [TOPICS.xapiIdentified, TOPICS.xapiAnonymized, TOPICS.deadLetterAnonymized])
      end[topic] = await endOffsets(kafka, topic);
  });

  test('zero hits in Elasticsearch: every document of the run indices', async () => {
    await es.indices.refresh({ index: `${indexPrefix}*` });
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
    // The scan can fail: the identified statements do hold the values it looks for.
    assert.ok(leaks(JSON.stringify(xapi.get(learners[0]?.username ?? '')), forms).length > 5);
  });

  let anonymizedK1: XapiAnonymized[] = [];
  test('zero hits on xapi.anonymized.v1 and dlq.anonymized.v1: values, keys and headers', async () => {
    const codec = createSchemaCodec({ url: required('SCHEMA_REGISTRY_URL') });
    for (const topic of [TOPICS.xapiAnonymized, TOPICS.deadLetterAnonymized]) {
      const messages = await readRange(
        kafka,
        topic,
        start[topic] ?? new Map(),
        end[topic] ?? new Map(),
        `privacy-${run}-scan-${topic}`,
      );
      const decoded = await Promise.all(
        messages.map(async (m) => (m.value ? await codec.decode<Record<string, unknown>>(m.value) : null)),
      );
      const text = [
        ...messages.map(
          (m) =>
            `${m.key?.toString('utf8') ?? ''}\n${headerText(m.headers)}\n${m.value?.toString('latin1') ?? ''}`,
        ),
        JSON.stringify(decoded, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
      ].join('\n');
      assert.deepEqual(leaks(text, forms), [], `${topic}: ${messages.length} messages scanned`);
      if (topic === TOPICS.xapiAnonymized) {
        anonymizedK1 = decoded.filter((d) => d !== null) as unknown as XapiAnonymized[];
        const mine = anonymizedK1.filter((a) => allIds.includes(a.statement_id));
        assert.equal(
          new Set(mine.map((a) => a.statement_id)).size,
          allIds.length,
          'every statement of the run read back',
        );
        for (const a of mine) {
          assert.equal(a.key_id, 'k1');
          assert.equal(a.policy, 'pseudonymize@3');
        }
        // Message keys are the pseudonyms.
        const keyed = messages.filter((m, i) => allIds.includes(String(decoded[i]?.statement_id)));
        for (const [i, m] of keyed.entries())
          assert.match(m.key?.toString('utf8') ?? '', /^[0-9a-f]{32}$/, `key ${i}`);
      }
    }
  });

  test('same person and key: one pseudonym; different people: different pseudonyms', () => {
    const byId = new Map(anonymizedK1.map((a) => [a.statement_id, a.actor_pseudonym]));
    const seen = new Set<string>();
    for (const [, ids] of expected) {
      for (const group of [ids.edx, ids.xapiMbox, ids.xapiAccount]) {
        const pseudonyms = new Set(group.map((id) => byId.get(id)));
        assert.equal(pseudonyms.size, 1, 'one pseudonym per identifier (mbox and its mbox_sha1sum agree)');
        const [p] = pseudonyms;
        assert.match(String(p), /^[0-9a-f]{32}$/);
        assert.ok(!seen.has(String(p)), 'no two people share a pseudonym');
        seen.add(String(p));
      }
    }
  });

  test('strict policy: unknown extensions were dropped and counted', async () => {
    const body = await (await fetch(`http://127.0.0.1:${anonymizeMetricsPort}/metrics`)).text();
    const count = (reason: string) =>
      Number(
        body
          .split('\n')
          .find((l) => l.startsWith(`lrstream_anonymize_fields_dropped_total{reason="${reason}"`))
          ?.split(' ')
          .pop() ?? 0,
      );
    // Two unknown extensions (client-ip, referer) on each of 3 statements per learner.
    assert.ok(count('unknown_extension') >= learners.length * 6, body);
    assert.ok(count('free_text') >= learners.length * 2);
    assert.ok(count('user_text') >= learners.length * 2);
  });

  test("the anonymize service's logs hold no payload and no personal value", () => {
    assert.ok(logLines.length > 0);
    assert.deepEqual(leaks(logLines.join('\n'), forms), []);
    const forbiddenKeys = new Set([
      'payload',
      'statement',
      'statement_json',
      'value',
      'event',
      'actor',
      'key',
    ]);
    for (const line of logLines) {
      const record = JSON.parse(line) as Record<string, unknown>;
      for (const k of Object.keys(record))
        assert.ok(!forbiddenKeys.has(k) || record[k] === '[redacted]', `log field "${k}" in ${line}`);
    }
    const started = logLines.find((l) => l.includes('anonymize started')) ?? '';
    assert.ok(!started.includes(secrets.k1) && started.includes('"keyId":"k1"'));
  });

  test('replaying the identified topic with a new key re-pseudonymises everything, unlinkably', async () => {
    await stopAnonymizeChild();
    const group = `privacy-${run}-anonymize-k2`;
    // A new consumer group that starts where this run started on the identified topic.
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({
      groupId: group,
      topic: TOPICS.xapiIdentified,
      partitions: [...(start[TOPICS.xapiIdentified] ?? new Map())].map(([partition, offset]) => ({
        partition,
        offset: String(offset),
      })),
    });
    await admin.disconnect();
    const replayFrom = await endOffsets(kafka, TOPICS.xapiAnonymized);
    pipeline.services.anonymize = await startAnonymize({
      ...env,
      GROUP_ID: group,
      ANONYMIZE_KEYRING_FILE: join(dir, 'ring-k2.json'),
    });
    // Statement ids are keyed too, so the replay writes new documents (the k2 ids); the rotation
    // procedure then deletes the documents of the old key (docs/privacy.md, Key rotation).
    await waitFor(
      'every document re-pseudonymised under k2',
      async () => {
        const docs = await indexed(allIdsK2);
        const k2 = [...docs.values()].filter((d) => (d.lrstream as { key_id?: string }).key_id === 'k2');
        return k2.length === allIdsK2.length ? true : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 1000 },
    );
    // This Elasticsearch build has no _delete_by_query: search, then bulk-delete, until none is left.
    for (;;) {
      const old = await es.search({
        index: `${indexPrefix}*`,
        size: 1000,
        _source: false,
        query: { term: { 'lrstream.key_id': 'k1' } },
      });
      if (old.hits.hits.length === 0) break;
      await es.bulk({
        refresh: true,
        operations: old.hits.hits.map((h) => ({ delete: { _index: h._index, _id: String(h._id) } })),
      });
    }
    assert.equal((await indexed(allIds)).size, 0, 'no k1 document left after the rotation');
    const replayTo = await endOffsets(kafka, TOPICS.xapiAnonymized);
    const codec = createSchemaCodec({ url: required('SCHEMA_REGISTRY_URL') });
    const messages = await readRange(
      kafka,
      TOPICS.xapiAnonymized,
      replayFrom,
      replayTo,
      `privacy-${run}-scan-replay`,
    );
    const replayed = (
      await Promise.all(messages.map((m) => (m.value ? codec.decode<XapiAnonymized>(m.value) : null)))
    ).filter((r): r is XapiAnonymized => r !== null && allIdsK2.includes(r.statement_id));
    assert.equal(new Set(replayed.map((r) => r.statement_id)).size, allIdsK2.length);
    // Hex tokens the policy derived under k1 (pseudonyms, session and registration hashes): those
    // of the k1 output that were not in the input.
    const hex = (text: string) => new Set(text.match(/[0-9a-f]{32}/g) ?? []);
    const input = hex(JSON.stringify([...edx.values(), ...xapi.values()]));
    const k1Derived = [
      ...hex(JSON.stringify(anonymizedK1.filter((a) => allIds.includes(a.statement_id)))),
    ].filter((t) => !input.has(t));
    assert.ok(k1Derived.length >= learners.length * 3, `${k1Derived.length} k1-derived values`);
    const k2ById = new Map(replayed.map((r) => [r.statement_id, r.actor_pseudonym]));
    const k2Text = JSON.stringify(replayed);
    for (const r of replayed) assert.equal(r.key_id, 'k2');
    for (const token of k1Derived) assert.ok(!k2Text.includes(token), `k1-derived ${token} found under k2`);
    for (const [, ids] of expectedK2) {
      for (const g of [ids.edx, ids.xapiMbox, ids.xapiAccount])
        assert.equal(
          new Set(g.map((id) => k2ById.get(id))).size,
          1,
          'still one pseudonym per person under k2',
        );
    }
    assert.deepEqual(leaks(JSON.stringify(replayed), forms), []);
  });

  // ---------------------------------------------------------------- open data export

  test('open-data export: every cell counts at least k learners, totals match the index', async () => {
    await exportCheck(es, `lrstream-privacy-export-${run}`, dir);
  });
});

/**
 * Indexes a generated dataset with enough learners (the sample generator, converted and treated
 * by the pseudonymize preset, built into documents as the index service does), runs
 * `lrstream export opendata`, and checks k-anonymity and totals against the index.
 */
async function exportCheck(es: Client, prefix: string, dir: string): Promise<void> {
  const policy = parsePolicy(readFileSync(join(ROOT, 'deploy/privacy/pseudonymize.json'), 'utf8'));
  const key = { id: 'k1', secret: randomBytes(32) };
  const sample = generateSample({ events: 6000, seed: 20261103, badRatio: 0 });
  const operations: unknown[] = [];
  for (const item of sample) {
    let statements: Record<string, unknown>[] = [];
    let courseId: string | null = null;
    if (item.format === 'xapi') statements = [JSON.parse(item.text) as Record<string, unknown>];
    else {
      const parsed = parseEdxLine(item.text);
      if (!parsed.ok) continue;
      courseId = parsed.event.courseId ?? null;
      statements = edxOracleStatements(parsed.event.original, LMS);
    }
    for (const s of statements) {
      const result = applyPrivacyPolicy(s, policy, { key, courseId });
      const object = result.statement.object as { id?: string; objectType?: string };
      const built = buildAnonymizedDocument(
        {
          statement_id: String(s.id),
          event_id: String(s.id),
          received_at: Date.now(),
          origin: { topic: 'events.raw.v1', partition: 0, offset: 0 },
          source_format: item.format,
          timestamp: Date.parse(String(s.timestamp)),
          verb_id: String((s.verb as { id: string }).id),
          object_type: object.objectType ?? 'Activity',
          object_id: object.id ?? null,
          course_id: result.courseId,
          actor_pseudonym: result.actorPseudonym,
          policy: policy.id,
          key_id: key.id,
          statement_json: JSON.stringify(result.statement),
          time_granularity_ms: null,
        },
        prefix,
        Date.now(),
      );
      assert.ok(built.ok);
      operations.push({ index: { _index: built.doc.index, _id: built.doc.id } }, built.doc.source);
    }
  }
  // A small course built so that secondary suppression must act: 30 active learners each week for
  // three weeks; 12, 3 and 15 of them enroll. Week 2 (3 < k) is hidden, and week 1 must be too,
  // or the course total (30) minus weeks 1 and 3 would reveal it.
  const SMALL = 'course-v1:FUN+SMALL+2026';
  const weekStart = [Date.UTC(2026, 8, 7), Date.UTC(2026, 8, 14), Date.UTC(2026, 8, 21)];
  const enrolled = [12, 3, 15];
  for (const [w, startMs] of weekStart.entries()) {
    for (let i = 0; i < 30; i += 1) {
      const learner = `small-${w}-${i}`;
      const verb =
        i < (enrolled[w] ?? 0)
          ? 'http://adlnet.gov/expapi/verbs/registered'
          : 'http://id.tincanapi.com/verb/viewed';
      const id = randomUUID();
      operations.push(
        { index: { _index: `${prefix}-2026.09`, _id: id } },
        {
          id,
          timestamp: new Date(startMs + i * 60_000).toISOString(),
          verb: { id: verb },
          object: { id: `${LMS}/courses/${SMALL}`, objectType: 'Activity' },
          lrstream: { course_id: SMALL, actor_pseudonym: sha1(learner).slice(0, 32), key_id: 'k1' },
        },
      );
    }
  }
  // The index service's template is put by startIndex for its own prefix only: reuse its body here.
  const template = JSON.parse(readFileSync(join(ROOT, 'services/index/templates/xapi.json'), 'utf8')) as {
    template: { settings: unknown; mappings: unknown };
  };
  await es.indices.putIndexTemplate({
    name: prefix,
    index_patterns: [`${prefix}-*`],
    priority: 500,
    template: template.template as never,
  });
  try {
    for (let i = 0; i < operations.length; i += 2000) {
      const bulk = await es.bulk({ operations: operations.slice(i, i + 2000) as never, refresh: false });
      assert.equal(bulk.errors, false);
    }
    await es.indices.refresh({ index: `${prefix}-*` });
    const out = join(dir, 'opendata');
    const code = await cli([
      'export',
      'opendata',
      '--out',
      out,
      '--k',
      '10',
      '--index',
      `${prefix}-*`,
      '--es',
      required('ELASTICSEARCH_URL'),
    ]);
    assert.equal(code, 0);
    await checkExport(es, `${prefix}-*`, out, 10);
  } finally {
    await es.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true }).catch(() => undefined);
    await es.indices.deleteIndexTemplate({ name: prefix }).catch(() => undefined);
  }
}

function readCsv(path: string): Record<string, string>[] {
  const [header, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  const names = (header ?? '').split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [names[i] ?? String(i), v])));
}

async function checkExport(es: Client, index: string, out: string, k: number): Promise<void> {
  const files = readdirSync(out).sort();
  for (const f of [
    'README.md',
    'datapackage.json',
    'course_problems.csv',
    'course_videos_daily.csv',
    'course_weeks.csv',
  ])
    assert.ok(files.includes(f), `${f} written (${files.join(', ')})`);
  const pkg = JSON.parse(readFileSync(join(out, 'datapackage.json'), 'utf8')) as {
    resources: { path: string; schema: { fields: { name: string; type: string; description: string }[] } }[];
  };
  for (const resource of pkg.resources) {
    const rows = readCsv(join(out, resource.path));
    const header = readFileSync(join(out, resource.path), 'utf8').split('\n')[0];
    assert.equal(
      header,
      resource.schema.fields.map((f) => f.name).join(','),
      `${resource.path}: schema = header`,
    );
    for (const f of resource.schema.fields)
      assert.ok(f.type && f.description, `${resource.path}.${f.name} described`);
    const learnerColumns = resource.schema.fields
      .filter((f) => /learners|viewers/.test(f.name))
      .map((f) => f.name);
    assert.ok(learnerColumns.length > 0);
    assert.ok(rows.length > 0, `${resource.path} has published rows`);
    for (const row of rows)
      for (const column of learnerColumns)
        assert.ok(
          Number(row[column]) >= k,
          `${resource.path}: ${column}=${row[column]} < k in ${JSON.stringify(row)}`,
        );
  }
  // Totals: a published cell's counts are the index's own (exact for small cardinalities).
  const problems = readCsv(join(out, 'course_problems.csv'));
  const sample = problems[0];
  assert.ok(sample);
  const answered = await es.search({
    index,
    size: 0,
    query: {
      bool: {
        filter: [
          { term: { 'lrstream.course_id': sample.course_id } },
          { term: { 'object.id': sample.problem_id } },
          {
            terms: {
              'verb.id': [
                'https://w3id.org/xapi/acrossx/verbs/evaluated',
                'http://adlnet.gov/expapi/verbs/answered',
              ],
            },
          },
        ],
      },
    },
    aggs: { learners: { cardinality: { field: 'lrstream.actor_pseudonym' } } },
  });
  const total =
    typeof answered.hits.total === 'number' ? answered.hits.total : (answered.hits.total?.value ?? 0);
  assert.equal(Number(sample.attempts), total, 'attempts = evaluated statements in the index');
  assert.equal(Number(sample.learners), (answered.aggregations?.learners as { value: number }).value);
  const weeks = readCsv(join(out, 'course_weeks.csv'));
  const small = weeks.filter((w) => w.course_id === 'course-v1:FUN+SMALL+2026');
  assert.deepEqual(
    small.map((w) => [w.week, w.active_learners, w.enrollments]),
    [
      ['2026-09-07', '30', ''],
      ['2026-09-14', '30', ''],
      ['2026-09-21', '30', '15'],
      ['all', '90', '30'],
    ],
    'primary (3 < k) and secondary (12, so that 30 - 15 reveals nothing) suppression',
  );
  for (const t of weeks.filter((w) => w.week === 'all')) {
    const course = await es.search({
      index,
      size: 0,
      query: { bool: { filter: [{ term: { 'lrstream.course_id': t.course_id } }] } },
      aggs: {
        learners: { cardinality: { field: 'lrstream.actor_pseudonym', precision_threshold: 40000 } },
        enrolled: { filter: { term: { 'verb.id': 'http://adlnet.gov/expapi/verbs/registered' } } },
      },
    });
    const aggs = course.aggregations as { learners: { value: number }; enrolled: { doc_count: number } };
    assert.equal(Number(t.active_learners), aggs.learners.value, `${t.course_id}: active learners = index`);
    if (t.enrollments !== '')
      assert.equal(Number(t.enrollments), aggs.enrolled.doc_count, 'enrollments = index');
  }
  const totalsRows = weeks.filter((w) => w.week === 'all');
  assert.ok(totalsRows.length > 0, 'per-course totals rows');
  for (const t of totalsRows) {
    const published = weeks.filter((w) => w.course_id === t.course_id && w.week !== 'all');
    const sum = published.reduce((s, w) => s + Number(w.enrollments), 0);
    assert.ok(sum <= Number(t.enrollments), 'published weeks never exceed the course total');
  }
}
