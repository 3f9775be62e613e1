// Poison on every input topic (issue "Delivery guarantees that hold under faults", point 1). Each
// consuming stage (validate, convert, anonymize, index) gets, on one partition of its input topic
// and under one key, a run of poison records, each followed by good records. Every poison must be
// dead-lettered (dlq.identified.v1 up to anonymize, dlq.anonymized.v1 for index) with a non-empty
// code, the stage's name and the poison's own coordinates; the good records behind each poison
// must reach Elasticsearch. The stages run as child processes (a crash stays in the child).
//
// Kafka is a private broker (the stack's Kafka on free ports, own state folder): poison written to
// the shared broker's topics would reach every other pipeline running on it. The registry (read
// only here: ids are looked up, never registered) and Elasticsearch (own index prefix) are shared.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { generateSample } from '@lrstream/cli';
import { parseEdxLine, validateEdxEvent } from '@lrstream/domain';
import { createKafka, parseBrokers } from '@lrstream/kafka';
import { TOPICS } from '@lrstream/schemas';
import { down, loadStackConfig, type StackConfig } from '@lrstream/stack';
import {
  REPO_ROOT,
  RegistryView,
  edxOracleStatements,
  frame,
  freePort,
  indexedEventIds,
  keyedEventIds,
  keepLogs,
  readDeadLetters,
  readTopics,
  requiredEnv,
  startComponent,
  startService,
  tailFile,
  topicEnds,
  type DeadLetterReader,
  type SeenDeadLetter,
  type ServiceProcess,
  type TopicReader,
} from '@lrstream/test';

const PLATFORM = 'https://lms.example.org';
const GOOD_AFTER_EACH = 5;
/** Unknown ids may be retried for a bounded time: stop waiting once nothing moved for this long. */
const STALL_MS = 75_000;
const OVERALL_MS = 200_000;

type Stage = 'validate' | 'convert' | 'anonymize' | 'index';
const STAGES: readonly Stage[] = ['validate', 'convert', 'anonymize', 'index'];
const INPUT: Record<Stage, string> = {
  validate: TOPICS.raw,
  convert: TOPICS.edxValid,
  anonymize: TOPICS.xapiIdentified,
  index: TOPICS.xapiAnonymized,
};
/** Where a stage's good output shows (index: Elasticsearch). */
const OUTPUT: Record<Exclude<Stage, 'index'>, string> = {
  validate: TOPICS.xapiIdentified,
  convert: TOPICS.xapiIdentified,
  anonymize: TOPICS.xapiAnonymized,
};
const DLQ: Record<Stage, string> = {
  validate: TOPICS.deadLetterIdentified,
  convert: TOPICS.deadLetterIdentified,
  anonymize: TOPICS.deadLetterIdentified,
  index: TOPICS.deadLetterAnonymized,
};

type PoisonKind =
  | 'random-bytes'
  | 'json-text'
  | 'other-schema-id'
  | 'unknown-schema-id'
  | 'tombstone'
  | 'truncated-avro'
  | 'garbage-avro'
  | 'missing-key';
const POISONS: readonly PoisonKind[] = [
  'random-bytes',
  'json-text',
  'other-schema-id',
  'unknown-schema-id',
  'tombstone',
  'truncated-avro',
  'garbage-avro',
  'missing-key',
];

interface Sent {
  stage: Stage;
  partition: number;
  offset: number;
  poison?: PoisonKind;
  /** Good records (and the missing-key one, whose value is good): the event id to find in ES. */
  eventId?: string;
}

describe('poison on every input topic', { timeout: 600_000 }, () => {
  const run = randomUUID().slice(0, 8);
  const dir = mkdtempSync(join(tmpdir(), `lrstream-poison-${run}-`));
  const registryUrl = requiredEnv('SCHEMA_REGISTRY_URL');
  const registry = new RegistryView(registryUrl);
  const es = new Client({ node: requiredEnv('ELASTICSEARCH_URL') });
  const indexPrefix = `lrstream-poison-${run}`;
  let config: StackConfig;
  let brokers = '';
  const services: ServiceProcess[] = [];
  let reader: DeadLetterReader | undefined;
  let outputs: TopicReader | undefined;
  /** Event ids seen on the stages' output topics (validate and convert share one). */
  const passedOn = new Map<string, Set<string>>();
  const sent: Sent[] = [];
  let indexed = new Set<string>();
  let waitedMs = 0;

  // The run's pseudonymisation key: the anonymized zone holds keyed event ids, the run computes them.
  const keyFile = join(dir, 'key');

  before(async () => {
    config = loadStackConfig({
      ...process.env,
      LRSTREAM_STACK_DIR: join(dir, 'stack'),
      LRSTREAM_KAFKA_PORT: String(await freePort()),
      LRSTREAM_KAFKA_CONTROLLER_PORT: String(await freePort()),
      LRSTREAM_KAFKA_HEAP: '256m',
    });
    brokers = `127.0.0.1:${config.ports.kafka}`;
    await startComponent(config, 'kafka');

    // The operator set-up command, when this tree has it (services register themselves otherwise).
    const apply = spawnSync(process.execPath, ['shared/cli/bin/lrstream.js', 'topics', 'apply'], {
      cwd: REPO_ROOT,
      env: { ...process.env, KAFKA_BROKERS: brokers, SCHEMA_REGISTRY_URL: registryUrl },
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (apply.status !== 0)
      console.error(`[poison] "lrstream topics apply" exited ${apply.status}: ${apply.stderr.slice(0, 300)}`);

    writeFileSync(keyFile, randomBytes(32).toString('hex'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KAFKA_BROKERS: brokers,
      SCHEMA_REGISTRY_URL: registryUrl,
      ELASTICSEARCH_URL: requiredEnv('ELASTICSEARCH_URL'),
      INDEX_PREFIX: indexPrefix,
      ANONYMIZE_KEY_FILE: keyFile,
      PLATFORM_URL: PLATFORM,
      START_FROM: 'earliest',
      LOG_LEVEL: 'info',
    };
    for (const stage of ['index', 'anonymize', 'convert', 'validate'] as const)
      services.push(await startService(stage, { ...env, GROUP_ID: `poison-${run}-${stage}` }, dir));

    // Where this run's dead letters begin (the broker is private, but stay exact anyway).
    const starts = new Map<string, Map<number, string>>();
    for (const topic of [TOPICS.deadLetterIdentified, TOPICS.deadLetterAnonymized])
      starts.set(topic, await topicEnds(brokers, topic));
    reader = await readDeadLetters(brokers, registry, starts, `poison-${run}`);
    const outputStarts = new Map<string, Map<number, string>>();
    for (const topic of new Set(Object.values(OUTPUT))) {
      outputStarts.set(topic, await topicEnds(brokers, topic));
      passedOn.set(topic, new Set());
    }
    outputs = await readTopics(brokers, registry, outputStarts, `poison-${run}-out`, (topic, _offset, v) => {
      if (typeof v.event_id === 'string') passedOn.get(topic)?.add(v.event_id);
    });

    await produceEverything();

    // Wait until every poison has its dead letter and every good event is indexed, or until nothing
    // has moved for STALL_MS (a stage that stopped consuming never catches up).
    const begin = Date.now();
    let lastProgress = Date.now();
    let lastCount = -1;
    // Good records written to the anonymized topic (the index stage's input) keep their event ids;
    // the others went through anonymize, which keys them.
    const goods = sent.filter((s) => s.eventId && s.stage !== 'index').map((s) => s.eventId as string);
    const indexGoods = sent.filter((s) => s.eventId && s.stage === 'index').map((s) => s.eventId as string);
    for (;;) {
      indexed = new Set([
        ...(await indexedEventIds(es, indexPrefix, goods, keyFile)),
        ...(await indexedEventIds(es, indexPrefix, indexGoods)),
      ]);
      const done = sent.filter((s) => s.poison && letterFor(s)).length + indexed.size;
      if (done !== lastCount) {
        lastCount = done;
        lastProgress = Date.now();
      }
      const complete =
        indexed.size === goods.length - countUnindexedMissingKeys() &&
        sent.every((s) => !s.poison || s.poison === 'missing-key' || letterFor(s));
      if (complete || Date.now() - lastProgress > STALL_MS || Date.now() - begin > OVERALL_MS) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    waitedMs = Date.now() - begin;
  });

  after(async () => {
    await reader?.stop().catch(() => undefined);
    await outputs?.stop().catch(() => undefined);
    for (const service of services) await service.stop().catch(() => undefined);
    await es.indices.delete({ index: `${indexPrefix}*`, ignore_unavailable: true }).catch(() => undefined);
    await es.close();
    if (config) await down(config, () => undefined);
    keepLogs(dir, `poison-${run}`);
    rmSync(dir, { recursive: true, force: true });
  });

  /** A missing-key record with a good value may be indexed or dead-lettered: either accounts for it. */
  function countUnindexedMissingKeys(): number {
    return sent.filter((s) => s.poison === 'missing-key' && letterFor(s)).length;
  }

  /** The stage handed this good record on (its output topic; Elasticsearch for index). */
  function passed(s: Sent): boolean {
    const id = s.eventId as string;
    if (s.stage === 'index') return indexed.has(id);
    const onOutput = s.stage === 'anonymize' ? [...keyedEventIds([id], keyFile).keys()][0] : id;
    return passedOn.get(OUTPUT[s.stage])?.has(onOutput ?? id) ?? false;
  }

  function letterFor(s: Sent): SeenDeadLetter | undefined {
    return reader?.letters.find(
      (l) =>
        l.dlqTopic === DLQ[s.stage] &&
        l.source_topic === INPUT[s.stage] &&
        l.source_partition === s.partition &&
        l.source_offset === s.offset,
    );
  }

  async function produceEverything(): Promise<void> {
    const ids = {
      raw: await registry.latest(`${TOPICS.raw}-value`),
      edxValid: await registry.latest(`${TOPICS.edxValid}-value`),
      identified: await registry.latest(`${TOPICS.xapiIdentified}-value`),
      anonymized: await registry.latest(`${TOPICS.xapiAnonymized}-value`),
      deadLetter: await registry.latest(`${TOPICS.deadLetterIdentified}-value`),
    };
    const own = {
      validate: ids.raw,
      convert: ids.edxValid,
      anonymize: ids.identified,
      index: ids.anonymized,
    };
    const edxGoods = convertibleEdxEvents(POISONS.length * (GOOD_AFTER_EACH + 1));
    let counter = 0;
    const good = (stage: Stage): { eventId: string; value: Buffer } => {
      const eventId = randomUUID();
      const n = counter++;
      const origin = { topic: TOPICS.raw, partition: 0, offset: n };
      const statement = {
        id: randomUUID(),
        actor: { objectType: 'Agent', account: { homePage: PLATFORM, name: `learner-${run}-${n % 5}` } },
        verb: { id: 'http://adlnet.gov/expapi/verbs/experienced', display: { 'en-US': 'experienced' } },
        object: { objectType: 'Activity', id: `${PLATFORM}/poison-${run}/${stage}/${n}` },
        timestamp: new Date().toISOString(),
      };
      const common = {
        statement_id: statement.id,
        event_id: eventId,
        received_at: Date.now(),
        origin,
        source_format: 'xapi',
        timestamp: Date.now(),
        verb_id: statement.verb.id,
        object_type: 'Activity',
        object_id: statement.object.id,
        course_id: null,
      };
      switch (stage) {
        case 'validate':
          return {
            eventId,
            value: frame(
              ids.raw.id,
              ids.raw.type.toBuffer({
                event_id: eventId,
                received_at: Date.now(),
                format: 'xapi',
                channel: 'http',
                producer: `poison-${run}`,
                payload: Buffer.from(JSON.stringify(statement)),
                line_number: null,
                xapi_version: '1.0.3',
              }),
            ),
          };
        case 'convert': {
          const line = edxGoods.shift();
          assert.ok(line, 'enough convertible edX events');
          const parsed = parseEdxLine(line);
          assert.ok(parsed.ok);
          const ev = parsed.event;
          const validation = validateEdxEvent(ev);
          const time = ev.time === undefined ? NaN : Date.parse(ev.time);
          return {
            eventId,
            value: frame(
              ids.edxValid.id,
              ids.edxValid.type.toBuffer({
                event_id: eventId,
                received_at: Date.now(),
                origin,
                event_type: ev.eventType ?? '',
                event_source: ev.eventSource ?? null,
                time: Number.isFinite(time) ? time : null,
                course_id: ev.courseId ?? null,
                model: validation.model ?? null,
                validation: validation.status === 'valid' ? 'valid' : 'unknown',
                event_json: JSON.stringify(ev.original),
                raw_line: line,
              }),
            ),
          };
        }
        case 'anonymize':
          return {
            eventId,
            value: frame(
              ids.identified.id,
              ids.identified.type.toBuffer({
                ...common,
                conversion_profile: null,
                statement_json: JSON.stringify(statement),
              }),
            ),
          };
        case 'index': {
          const pseudonym = randomBytes(16).toString('hex');
          const anonymized = {
            ...statement,
            actor: { objectType: 'Agent', account: { homePage: PLATFORM, name: pseudonym } },
          };
          return {
            eventId,
            value: frame(
              ids.anonymized.id,
              ids.anonymized.type.toBuffer({
                ...common,
                actor_pseudonym: pseudonym,
                policy: 'pseudonymize@1',
                key_id: 'k1',
                statement_json: JSON.stringify(anonymized),
                time_granularity_ms: null,
              }),
            ),
          };
        }
      }
    };

    const deadLetterBody = ids.deadLetter.type.toBuffer({
      event_id: null,
      stage: 'ingest',
      error_code: 'TEST',
      error_message: 'A dead letter where it does not belong.',
      error_pointer: null,
      source_topic: null,
      source_partition: null,
      source_offset: null,
      payload: null,
      failed_at: Date.now(),
    });
    const poison = (stage: Stage, kind: PoisonKind): { value: Buffer | null; eventId?: string } => {
      const valid = good(stage);
      const body = valid.value.subarray(5);
      switch (kind) {
        case 'random-bytes':
          return { value: Buffer.concat([Buffer.from([0xff]), randomBytes(63)]) };
        case 'json-text':
          return { value: Buffer.from(JSON.stringify({ id: randomUUID(), hello: 'not avro' })) };
        case 'other-schema-id':
          return { value: frame(ids.deadLetter.id, deadLetterBody) };
        case 'unknown-schema-id':
          return { value: frame(999_999, body) };
        case 'tombstone':
          return { value: null };
        case 'truncated-avro':
          return { value: frame(own[stage].id, body.subarray(0, Math.floor(body.length / 2))) };
        case 'garbage-avro':
          // A string length of ~2^27 at the first field, then nothing: no decoder can read it.
          return { value: frame(own[stage].id, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x01, 0x41])) };
        case 'missing-key':
          return valid;
      }
    };

    const kafka = createKafka({ brokers: parseBrokers(brokers), clientId: `poison-${run}-producer` });
    const producer = kafka.producer();
    await producer.connect();
    try {
      await Promise.all(
        STAGES.map(async (stage, partition) => {
          const key = `poison-${run}-${stage}`;
          const send = async (value: Buffer | null, withKey: boolean, meta: Omit<Sent, 'offset'>) => {
            const [result] = await producer.send({
              topic: INPUT[stage],
              acks: -1,
              messages: [{ key: withKey ? key : null, value, partition }],
            });
            assert.ok(result);
            sent.push({ ...meta, offset: Number(result.baseOffset) });
          };
          for (const kind of POISONS) {
            const p = poison(stage, kind);
            await send(p.value, kind !== 'missing-key', {
              stage,
              partition,
              poison: kind,
              ...(p.eventId ? { eventId: p.eventId } : {}),
            });
            for (let i = 0; i < GOOD_AFTER_EACH; i += 1) {
              const g = good(stage);
              await send(g.value, true, { stage, partition, eventId: g.eventId });
            }
          }
        }),
      );
    } finally {
      await producer.disconnect();
    }
  }

  function convertibleEdxEvents(count: number): string[] {
    const seed = Number.parseInt(run.slice(0, 6), 16);
    const lines: string[] = [];
    for (const item of generateSample({ events: count * 6, seed, badRatio: 0 })) {
      if (item.format !== 'edx') continue;
      const parsed = parseEdxLine(item.text);
      if (!parsed.ok || validateEdxEvent(parsed.event).status === 'invalid') continue;
      if (edxOracleStatements(parsed.event.original, PLATFORM).length === 0) continue;
      lines.push(item.text);
      if (lines.length === count) break;
    }
    assert.equal(lines.length, count, 'the sample has enough convertible edX events');
    return lines;
  }

  function report(stage: Stage): string[] {
    const rows = sent
      .filter((s) => s.stage === stage && s.poison)
      .map((s) => {
        const letter = letterFor(s);
        const state = letter
          ? `dead-lettered ${letter.error_code} (stage ${letter.stage})`
          : s.eventId && passed(s)
            ? 'passed on (no dead letter)'
            : 'NOT ACCOUNTED FOR';
        return `  ${s.poison} @${s.partition}:${s.offset}: ${state}`;
      });
    const goods = sent.filter((s) => s.stage === stage && !s.poison);
    const service = services.find((s) => s.name === stage);
    const log = tailFile(service?.logFile ?? '', 40)
      .split('\n')
      .filter((l) => /"level":[56]0/.test(l))
      .slice(0, 2)
      .map((l) => `  log: ${l.slice(0, 400)}`);
    return [
      `${stage}: ${goods.filter(passed).length} of ${goods.length} good records passed on by the stage, ` +
        `${goods.filter((g) => indexed.has(g.eventId as string)).length} indexed; waited ${(waitedMs / 1000).toFixed(0)} s; ` +
        `process ${service?.exit === undefined ? 'alive' : `exited ${service.exit}`}`,
      ...rows,
      ...log,
    ];
  }

  for (const stage of STAGES) {
    test(`${stage}: every poison on ${INPUT[stage]} is dead-lettered and the partition keeps flowing`, (t) => {
      for (const line of report(stage)) t.diagnostic(line);
      const poisons = sent.filter((s) => s.stage === stage && s.poison);
      assert.equal(poisons.length, POISONS.length);
      const unaccounted: string[] = [];
      for (const s of poisons) {
        const letter = letterFor(s);
        if (s.poison === 'missing-key' && !letter) {
          // A good value without a key may be processed instead: then it must be indexed.
          if (!passed(s)) unaccounted.push(`${s.poison}@${s.offset}`);
          continue;
        }
        if (!letter) {
          unaccounted.push(`${s.poison}@${s.offset}`);
          continue;
        }
        assert.equal(letter.stage, stage, `${s.poison}: stage`);
        assert.ok(letter.error_code.length > 0, `${s.poison}: a non-empty error code`);
      }
      const goods = sent.filter((s) => s.stage === stage && !s.poison);
      const notPassed = goods.filter((g) => !passed(g)).length;
      const notIndexed = goods.filter((g) => !indexed.has(g.eventId as string)).length;
      assert.deepEqual(
        { unaccountedPoison: unaccounted, goodNotPassedOn: notPassed, goodNotIndexed: notIndexed },
        { unaccountedPoison: [], goodNotPassedOn: 0, goodNotIndexed: 0 },
        `${stage}: poison without a dead letter / good records behind them not processed / not indexed`,
      );
    });
  }

  test('codes tell not-Avro from a registered id of another schema', (t) => {
    const table = STAGES.map(
      (stage) =>
        `${stage}: ` +
        POISONS.map((kind) => {
          const s = sent.find((x) => x.stage === stage && x.poison === kind);
          return `${kind}=${(s && letterFor(s)?.error_code) ?? '-'}`;
        }).join(' '),
    );
    t.diagnostic('codes seen (- = no dead letter):');
    for (const line of table) t.diagnostic(line);
    if (reader && reader.undecodable.length > 0)
      t.diagnostic(`undecodable dead-letter records: ${reader.undecodable.slice(0, 5).join('; ')}`);
    for (const stage of STAGES) {
      const code = (kind: PoisonKind) => {
        const s = sent.find((x) => x.stage === stage && x.poison === kind);
        return s ? letterFor(s)?.error_code : undefined;
      };
      const notAvro = code('random-bytes');
      const otherSchema = code('other-schema-id');
      assert.ok(notAvro && otherSchema, `${stage}: both dead letters exist (${notAvro}, ${otherSchema})`);
      assert.notEqual(notAvro, otherSchema, `${stage}: not-Avro and wrong-schema get different codes`);
    }
  });
});
