// Helpers for the archive tests: an S3-compatible server (the stack's S3Proxy when the environment
// names it, else a private one started through the stack's own component), the archive service as
// a child process, raw records of a test's own, and a full read-back of what a store holds.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  objectLines,
  openStore,
  parseEnvelope,
  parseObjectKey,
  readManifest,
  type ObjectName,
  type ObjectStore,
} from '@lrstream/archive';
import { createFramedProducer, createKafka, createSchemaCodec, parseBrokers } from '@lrstream/kafka';
import { TOPICS, valueSchemaOf } from '@lrstream/schemas';
import { components, loadStackConfig } from '@lrstream/stack';
import { freePort, isGroupAlive, REPO_ROOT, stopProcessGroup, tailFile } from './delivery.js';
import { requiredEnv } from './pipeline.js';
import { waitFor } from './wait.js';

export interface S3Server {
  env: { S3_ENDPOINT: string; S3_BUCKET: string; S3_CREDENTIALS_FILE: string };
  /** Where it came from: the stack's, or a private one this test started. */
  source: 'stack' | 'private';
  stop(): Promise<void>;
}

/** The stack's S3Proxy when S3_ENDPOINT etc. are set and it answers; otherwise a private one. */
export async function provideS3(): Promise<S3Server> {
  const { S3_ENDPOINT, S3_BUCKET, S3_CREDENTIALS_FILE } = process.env;
  if (S3_ENDPOINT && S3_BUCKET && S3_CREDENTIALS_FILE) {
    const answers = await fetch(`${S3_ENDPOINT}/${S3_BUCKET}`).then(
      (r) => r.status === 403,
      () => false,
    );
    if (answers)
      return {
        env: { S3_ENDPOINT, S3_BUCKET, S3_CREDENTIALS_FILE },
        source: 'stack',
        stop: async () => undefined,
      };
  }
  const dir = mkdtempSync(join(tmpdir(), 'lrstream-s3-'));
  const config = loadStackConfig({
    ...process.env,
    LRSTREAM_STACK_DIR: dir,
    LRSTREAM_S3_PORT: String(await freePort()),
  });
  const s3 = components(config).find((c) => c.name === 's3');
  if (!s3) throw new Error('the stack has no s3 component');
  s3.prepare(() => undefined);
  const pid = s3.start();
  await waitFor(
    `the private S3Proxy at ${s3.url}`,
    async () => {
      if (!isGroupAlive(pid)) throw new Error(`S3Proxy exited:\n${tailFile(s3.logFile)}`);
      return (await s3.healthy()) ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  return {
    env: {
      S3_ENDPOINT: s3.url,
      S3_BUCKET: 'lrstream-archive',
      S3_CREDENTIALS_FILE: join(dir, 'secrets', 's3-credentials.json'),
    },
    source: 'private',
    stop: async () => {
      await stopProcessGroup(pid, 5000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ArchiveProcess {
  child: ChildProcess;
  metricsPort: number;
  logFile: string;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/** Starts `node services/archive/dist/main.js` with `env` and waits for its /readyz. */
export async function startArchiveProcess(env: NodeJS.ProcessEnv, logFile: string): Promise<ArchiveProcess> {
  const metricsPort = await freePort();
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [join(REPO_ROOT, 'services/archive/dist/main.js')], {
    env: { ...env, METRICS_PORT: String(metricsPort) },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(
    'the archive service ready',
    async () => {
      if (child.exitCode !== null) throw new Error(`archive exited:\n${tailFile(logFile)}`);
      const r = await fetch(`http://127.0.0.1:${metricsPort}/readyz`).catch(() => undefined);
      return r?.status === 200 ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
  return {
    child,
    metricsPort,
    logFile,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A store for the tests: a new folder, or a new prefix in the S3 bucket. */
export function testStoreEnv(kind: 'dir' | 's3', s3: S3Server | undefined, run: string): NodeJS.ProcessEnv {
  if (kind === 'dir')
    return { ARCHIVE_STORE: 'dir', ARCHIVE_DIR: mkdtempSync(join(tmpdir(), `lrstream-archive-${run}-`)) };
  if (!s3) throw new Error('no S3 server');
  return { ARCHIVE_STORE: 's3', ...s3.env, ARCHIVE_S3_PREFIX: `it-${run}` };
}

/**
 * Deletes what a test wrote to a store: the folder, or every object under the S3 prefix. Archives
 * hold raw records (others' too, when the service ran on the shared topic): never leave them behind.
 */
export async function dropTestStore(env: NodeJS.ProcessEnv): Promise<void> {
  if (env.ARCHIVE_STORE !== 's3') {
    if (env.ARCHIVE_DIR) rmSync(env.ARCHIVE_DIR, { recursive: true, force: true });
    return;
  }
  const store = storeOf(env);
  for (const o of await store.list('')) await store.delete(o.key);
}

export function storeOf(env: NodeJS.ProcessEnv): ObjectStore {
  return openStore({
    store: env.ARCHIVE_STORE === 's3' ? 's3' : 'dir',
    dir: env.ARCHIVE_DIR ?? '',
    s3Endpoint: env.S3_ENDPOINT ?? '',
    s3Region: 'us-east-1',
    s3Bucket: env.S3_BUCKET ?? '',
    s3Prefix: env.ARCHIVE_S3_PREFIX ?? '',
    s3AccessKeyId: '',
    s3SecretAccessKey: '',
    s3CredentialsFile: env.S3_CREDENTIALS_FILE ?? '',
  });
}

/**
 * A Kafka record time of the test's own, in a past hour nobody else writes to (a random hour of
 * 2001), so the archive puts the test's records in objects of that hour and a replay of it
 * re-injects only them.
 */
export function privateHour(): number {
  return Date.UTC(
    2001,
    Math.floor(Math.random() * 12),
    1 + Math.floor(Math.random() * 28),
    Math.floor(Math.random() * 24),
  );
}

export interface RawInput {
  eventId: string;
  statementId: string;
}

/**
 * Writes xAPI statements as raw records (as `ingest` would: a RawEvent per statement, keyed by a
 * per-test actor) with Kafka record times in `hourMs`'s hour; returns their ids.
 */
export async function produceRawStatements(
  count: number,
  hourMs: number,
  options: { chunk?: number; pauseMs?: number; tag: string } = { tag: 'archive' },
): Promise<RawInput[]> {
  const kafka = createKafka({
    brokers: parseBrokers(requiredEnv('KAFKA_BROKERS')),
    clientId: 'archive-test',
  });
  const codec = createSchemaCodec({ url: requiredEnv('SCHEMA_REGISTRY_URL') });
  const id = await codec.lookupValueSchemaId(TOPICS.raw, valueSchemaOf('raw'));
  const producer = await createFramedProducer(kafka);
  const inputs: RawInput[] = [];
  try {
    const chunk = options.chunk ?? 200;
    for (let i = 0; i < count; i += chunk) {
      const messages = [];
      for (let j = i; j < Math.min(count, i + chunk); j += 1) {
        const input = { eventId: randomUUID(), statementId: randomUUID() };
        inputs.push(input);
        const actor = `${options.tag}-${j % 16}`;
        // Bytes that are not valid UTF-8 would not be xAPI; the payload carries non-ASCII text.
        const statement = {
          id: input.statementId,
          actor: { objectType: 'Agent', account: { homePage: 'https://lms.example.org', name: actor } },
          verb: { id: 'http://adlnet.gov/expapi/verbs/experienced', display: { 'en-US': 'experienced' } },
          object: { objectType: 'Activity', id: `https://lms.example.org/activity/${options.tag}/${j}` },
          timestamp: new Date(hourMs + j).toISOString(),
          result: { response: `réponse ${randomBytes(4).toString('hex')} ✓` },
        };
        const value = await codec.encode(id, {
          event_id: input.eventId,
          received_at: hourMs + j,
          format: 'xapi',
          channel: 'file',
          producer: options.tag,
          payload: Buffer.from(JSON.stringify(statement)),
          line_number: null,
          xapi_version: '1.0.3',
        });
        messages.push({ key: actor, value, timestamp: String(hourMs + (j % 3_600_000)) });
      }
      await producer.send(TOPICS.raw, messages);
      if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
    }
  } finally {
    await producer.disconnect();
  }
  return inputs;
}

export interface ArchiveContents {
  objects: (ObjectName & { key: string; lines: number })[];
  /** event_id -> how many lines hold it. */
  eventIds: Map<string, number>;
  problems: string[];
}

/**
 * Everything a store holds for the raw topic, checked: per partition the objects are contiguous (no
 * gap, no overlap), each object holds exactly the offsets its name says, each is listed in its
 * hour's manifest with its record count and sha256, and lines are in one hour.
 */
export async function readArchive(store: ObjectStore, topic = TOPICS.raw): Promise<ArchiveContents> {
  const problems: string[] = [];
  const objects: ArchiveContents['objects'] = [];
  const eventIds = new Map<string, number>();
  const { createHash } = await import('node:crypto');
  for (const o of await store.list(`${topic}/dt=`)) {
    const name = parseObjectKey(o.key);
    if (!name) continue;
    const body = (await store.get(o.key))!;
    const lines = objectLines(body);
    objects.push({ ...name, key: o.key, lines: lines.length });
    lines.forEach((line, i) => {
      const { envelope, value } = parseEnvelope(line);
      if (envelope.offset !== name.start + i)
        problems.push(`${o.key}: line ${i} has offset ${envelope.offset}`);
      if (envelope.partition !== name.partition)
        problems.push(`${o.key}: line ${i} of partition ${envelope.partition}`);
      const hour = new Date(envelope.timestamp).toISOString().slice(0, 13);
      if (hour !== `${name.dt}T${String(name.hour).padStart(2, '0')}`)
        problems.push(`${o.key}: line ${i} of another hour (${hour})`);
      const eventId = (value as { event_id?: string } | undefined)?.event_id;
      if (eventId) eventIds.set(eventId, (eventIds.get(eventId) ?? 0) + 1);
    });
    if (lines.length !== name.end - name.start + 1)
      problems.push(`${o.key}: ${lines.length} lines for ${name.end - name.start + 1} offsets`);
    const manifest = await readManifest(store, topic, name.dt, name.hour, name.partition);
    const entry = manifest?.objects.find((e) => e.object === o.key);
    if (!entry) problems.push(`${o.key}: not in its manifest`);
    else if (
      entry.records !== lines.length ||
      entry.sha256 !== createHash('sha256').update(body).digest('hex')
    )
      problems.push(`${o.key}: manifest entry does not match the object`);
  }
  const byPartition = new Map<number, ArchiveContents['objects']>();
  for (const o of objects) byPartition.set(o.partition, [...(byPartition.get(o.partition) ?? []), o]);
  for (const [partition, list] of byPartition) {
    list.sort((a, b) => a.start - b.start);
    for (let i = 1; i < list.length; i += 1) {
      const prev = list[i - 1]!;
      const cur = list[i]!;
      if (cur.start !== prev.end + 1)
        problems.push(
          `partition ${partition}: ${cur.start <= prev.end ? 'overlap' : 'gap'} between ${prev.key} and ${cur.key}`,
        );
    }
  }
  return { objects, eventIds, problems };
}
