// Helpers for the delivery-guarantee tests (poison input, registry restarts, start-up races): the
// services as child processes (a crash stays in the child), private stack components on free ports,
// Avro framed in the Confluent wire format from ids looked up in the registry (never registered
// here), dead letters read back from Kafka, indexed events counted in Elasticsearch.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import type { Client } from '@elastic/elasticsearch';
import { createKafka, parseBrokers } from '@lrstream/kafka';
import { components, type StackConfig } from '@lrstream/stack';
import { keyedEventIds } from './pipeline.js';
import { waitFor } from './wait.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A TCP port nobody listens on right now (and, with `pair`, the next one too). */
export async function freePort(pair = false): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const port = await listenOnce(0);
    if (
      !pair ||
      (await listenOnce(port + 1).then(
        () => true,
        () => false,
      ))
    )
      return port;
  }
  throw new Error('no free port pair found');
}

async function listenOnce(port: number): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** Copies the services' logs of a run to $DELIVERY_TEST_KEEP_LOGS/<name>, when that is set. */
export function keepLogs(dir: string, name: string): void {
  const target = process.env.DELIVERY_TEST_KEEP_LOGS;
  if (!target || !existsSync(dir)) return;
  mkdirSync(join(target, name), { recursive: true });
  for (const file of readdirSync(dir))
    if (file.endsWith('.log')) cpSync(join(dir, file), join(target, name, file));
}

/** The last `lines` lines of a log file ('' when absent). */
export function tailFile(file: string, lines = 20): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Private stack components (the shared stack is never touched: own state folder, own ports).

/** Starts one component of a private stack config and waits until it answers; returns its pid. */
export async function startComponent(
  config: StackConfig,
  name: 'kafka' | 'registry',
  timeoutMs = 120_000,
): Promise<number> {
  const component = components(config).find((c) => c.name === name);
  if (!component) throw new Error(`no component ${name}`);
  if (name === 'kafka') {
    // The stack draws a random base64url cluster id; one starting with '-' (1 in 64) is taken for an
    // option by kafka-storage and the format fails. Seed a safe id (same length) before it draws.
    const idFile = join(config.stateDir, 'kafka', 'cluster-id');
    mkdirSync(dirname(idFile), { recursive: true });
    if (!existsSync(idFile)) writeFileSync(idFile, `k${randomBytes(16).toString('base64url').slice(1)}\n`);
  }
  component.prepare(() => undefined); // distributions from the shared cache
  const pid = component.start();
  await waitFor(
    `the private ${name} at ${component.url}`,
    async () => {
      if (!isGroupAlive(pid))
        throw new Error(
          `${name} exited; last lines of ${component.logFile}:\n${tailFile(component.logFile)}`,
        );
      return (await component.healthy()) ? true : undefined;
    },
    { timeoutMs, intervalMs: 500 },
  );
  return pid;
}

export function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stops a process group we started: SIGTERM, SIGKILL after `graceMs`. */
export async function stopProcessGroup(pgid: number, graceMs = 20_000): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pgid, s);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isGroupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (isGroupAlive(pgid)) signal('SIGKILL');
  while (isGroupAlive(pgid)) await new Promise((r) => setTimeout(r, 100));
}

// ---------------------------------------------------------------------------------------------
// Services as child processes.

export type ServiceName = 'ingest' | 'validate' | 'convert' | 'anonymize' | 'index';

export interface ServiceProcess {
  readonly name: ServiceName;
  readonly child: ChildProcess;
  readonly logFile: string;
  readonly metricsUrl: string;
  /** Ingest only: its HTTP base URL. */
  readonly url: string;
  /** The exit code (or signal) once the process ended on its own or was stopped. */
  exit: string | undefined;
  stop(): Promise<void>;
}

/**
 * Starts `node services/<name>/dist/main.js` with `env` (METRICS_PORT and, for ingest, INGEST_PORT
 * chosen here), logging to `<logDir>/<name>.log`, and waits until /readyz answers 200.
 */
export async function startService(
  name: ServiceName,
  env: NodeJS.ProcessEnv,
  logDir: string,
  timeoutMs = 90_000,
): Promise<ServiceProcess> {
  const metricsPort = await freePort();
  const ingestPort = name === 'ingest' ? await freePort() : 0;
  const logFile = join(logDir, `${name}.log`);
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [join(REPO_ROOT, 'services', name, 'dist', 'main.js')], {
    env: {
      ...env,
      METRICS_PORT: String(metricsPort),
      ...(name === 'ingest' ? { INGEST_PORT: String(ingestPort), INGEST_HOST: '127.0.0.1' } : {}),
    },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const service: ServiceProcess = {
    name,
    child,
    logFile,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    url: `http://127.0.0.1:${ingestPort}`,
    exit: undefined,
    async stop() {
      if (service.exit !== undefined) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await gone;
      clearTimeout(timer);
    },
  };
  child.once('exit', (code, signal) => {
    service.exit = String(code ?? signal);
  });
  await waitFor(
    `${name} ready`,
    async () => {
      if (service.exit !== undefined)
        throw new Error(`${name} exited (${service.exit}) during start-up:\n${tailFile(logFile)}`);
      const response = await fetch(`${service.metricsUrl}/readyz`).catch(() => undefined);
      return response?.status === 200 ? true : undefined;
    },
    { timeoutMs, intervalMs: 300 },
  ).catch(async (err: unknown) => {
    await service.stop();
    throw err;
  });
  return service;
}

// ---------------------------------------------------------------------------------------------
// The registry, read only: ids are looked up, schemas are never registered by a test.

interface SchemaAnswer {
  id?: number;
  schema: string;
  schemaType?: string;
  references?: { name: string; subject: string; version: number }[];
}

export class RegistryView {
  private readonly byIdCache = new Map<number, avro.Type>();

  constructor(readonly url: string) {}

  private async get(path: string): Promise<SchemaAnswer> {
    const response = await fetch(`${this.url}${path}`);
    if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as SchemaAnswer;
  }

  /** Parses a registry answer, resolving Confluent schema references into one avsc registry. */
  private async parse(answer: SchemaAnswer, registry: Record<string, avro.Type> = {}): Promise<avro.Type> {
    for (const ref of answer.references ?? [])
      if (!registry[ref.name])
        await this.parse(await this.get(`/subjects/${ref.subject}/versions/${ref.version}`), registry);
    return avro.Type.forSchema(JSON.parse(answer.schema) as avro.Schema, { registry });
  }

  /** The latest id of a subject, or undefined when it is not registered. */
  async latestId(subject: string): Promise<number | undefined> {
    const response = await fetch(`${this.url}/subjects/${subject}/versions/latest`);
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw new Error(`latest ${subject}: ${response.status}`);
    return ((await response.json()) as SchemaAnswer).id;
  }

  /** The latest schema of a subject, with its id. */
  async latest(subject: string): Promise<{ id: number; type: avro.Type }> {
    const answer = await this.get(`/subjects/${subject}/versions/latest`);
    if (answer.id === undefined) throw new Error(`no id for ${subject}`);
    return { id: answer.id, type: await this.parse(answer) };
  }

  async typeOf(id: number): Promise<avro.Type> {
    const cached = this.byIdCache.get(id);
    if (cached) return cached;
    const type = await this.parse(await this.get(`/schemas/ids/${id}`));
    this.byIdCache.set(id, type);
    return type;
  }

  /** Decodes a Confluent-framed value with the writer schema its id names. */
  async decode<T>(value: Buffer): Promise<T> {
    if (value.length < 5 || value[0] !== 0) throw new Error('not Confluent-framed');
    return (await this.typeOf(value.readInt32BE(1))).fromBuffer(value.subarray(5)) as T;
  }
}

/** Magic byte 0, the 4-byte schema id, then the body (the Confluent wire format). */
export function frame(id: number, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeInt32BE(id, 1);
  return Buffer.concat([header, body]);
}

// ---------------------------------------------------------------------------------------------
// Dead letters (DeadLetter, shared/schemas/avro/dead-letter.v1.avsc) read back from Kafka.

export interface SeenDeadLetter {
  event_id: string | null;
  stage: string;
  error_code: string;
  error_message: string;
  source_topic: string | null;
  source_partition: number | null;
  source_offset: number | null;
  payload: Buffer | null;
  /** The dead-letter topic and the letter's own offset. */
  dlqTopic: string;
  dlqOffset: string;
}

export interface TopicReader {
  /** Records this reader could not decode, as "topic@offset: reason". */
  readonly undecodable: string[];
  stop(): Promise<void>;
}

/**
 * Reads these topics from the given start offsets (partition -> offset; a partition not listed is
 * read from its beginning), decoding every value through the registry, until stopped.
 */
export async function readTopics(
  brokers: string,
  registry: RegistryView,
  starts: ReadonlyMap<string, ReadonlyMap<number, string>>,
  clientId: string,
  onRecord: (topic: string, offset: string, value: Record<string, unknown>) => void,
): Promise<TopicReader> {
  const kafka = createKafka({ brokers: parseBrokers(brokers), clientId });
  const consumer = kafka.consumer({ groupId: `${clientId}-reader` });
  const undecodable: string[] = [];
  await consumer.connect();
  for (const topic of starts.keys()) await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      if (!message.value) return void undecodable.push(`${topic}@${message.offset}: null value`);
      try {
        onRecord(topic, message.offset, await registry.decode<Record<string, unknown>>(message.value));
      } catch (err) {
        undecodable.push(`${topic}@${message.offset}: ${(err as Error).message}`);
      }
    },
  });
  for (const [topic, offsets] of starts)
    for (const [partition, offset] of offsets) consumer.seek({ topic, partition, offset });
  return { undecodable, stop: () => consumer.disconnect() };
}

export interface DeadLetterReader extends TopicReader {
  readonly letters: SeenDeadLetter[];
}

/** Reads dead-letter topics (DeadLetter values) from the given start offsets into `letters`. */
export async function readDeadLetters(
  brokers: string,
  registry: RegistryView,
  starts: ReadonlyMap<string, ReadonlyMap<number, string>>,
  clientId: string,
): Promise<DeadLetterReader> {
  const letters: SeenDeadLetter[] = [];
  const reader = await readTopics(brokers, registry, starts, clientId, (topic, offset, value) => {
    const letter = value as unknown as SeenDeadLetter;
    letters.push({
      ...letter,
      source_offset: letter.source_offset === null ? null : Number(letter.source_offset),
      dlqTopic: topic,
      dlqOffset: offset,
    });
  });
  return { ...reader, letters };
}

// ---------------------------------------------------------------------------------------------
// Elasticsearch: which of these raw events have at least one indexed statement.

export async function indexedEventIds(
  es: Client,
  prefix: string,
  eventIds: readonly string[],
  keyFile?: string,
): Promise<Set<string>> {
  await es.indices.refresh({ index: `${prefix}*`, ignore_unavailable: true }).catch(() => undefined);
  // Records that went through anonymize hold keyed event ids (the run holds the key); records
  // written straight to the anonymized topic keep theirs (no key file).
  const byKeyed = keyFile ? keyedEventIds(eventIds, keyFile) : new Map(eventIds.map((id) => [id, id]));
  const keyed = [...byKeyed.keys()];
  const found = new Set<string>();
  for (let i = 0; i < keyed.length; i += 1000) {
    const result = await es.search<{ lrstream?: { event_id?: string } }>({
      index: `${prefix}*`,
      ignore_unavailable: true,
      size: 10_000,
      _source: ['lrstream.event_id'],
      query: { terms: { 'lrstream.event_id': keyed.slice(i, i + 1000) } },
    });
    for (const hit of result.hits.hits) {
      const id = byKeyed.get(hit._source?.lrstream?.event_id ?? '');
      if (id) found.add(id);
    }
  }
  return found;
}
