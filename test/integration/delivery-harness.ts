// Harness of the delivery tests (delivery-offsets, delivery-crash): the five services run as an
// operator runs them, one process each (`node services/<name>/dist/main.js`, configuration from the
// environment), against the shared stack. The run owns its credentials, key, consumer groups and
// index prefix; it reads the topics only in ranges it measured itself and counts only ids it
// generated. Everything it starts, it stops (children, indices, consumer groups, temporary files).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@elastic/elasticsearch';
import { hashSecret } from '@lrstream/ingest';
import { createKafka, createSchemaCodec, parseBrokers, type Kafka } from '@lrstream/kafka';
import { TOPICS } from '@lrstream/schemas';
import { edxOracleStatements, keyedStatementIds, requiredEnv, waitFor } from '@lrstream/test';

export const STAGES = ['validate', 'convert', 'anonymize', 'index'] as const;
export type Stage = (typeof STAGES)[number];
export type Service = Stage | 'ingest';

/** The topic each stage consumes and the one it writes (index writes to Elasticsearch). */
export const INPUT_TOPIC: Record<Stage, string> = {
  validate: TOPICS.raw,
  convert: TOPICS.edxValid,
  anonymize: TOPICS.xapiIdentified,
  index: TOPICS.xapiAnonymized,
};
export const OUTPUT_TOPIC: Record<Exclude<Stage, 'index'>, string> = {
  validate: TOPICS.edxValid,
  convert: TOPICS.xapiIdentified,
  anonymize: TOPICS.xapiAnonymized,
};

const PLATFORM = 'https://lms.example.org';
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no free port');
  return address.port;
}

export type Offsets = Map<number, number>;

/** One service process, its ports and the tail of its output (for failure messages). */
export interface ServiceProcess {
  readonly name: Service;
  readonly child: ChildProcess;
  readonly metricsPort: number;
  readonly output: string[];
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitedAlready: boolean;
}

export interface PipelineOptions {
  /** Names the user, groups (`<name>-<run>-<stage>`) and index prefix (`lrstream-<name>-<run>`). */
  name: string;
  run: string;
  /** START_FROM of every stage (the services' default, earliest, when absent). */
  startFrom?: 'earliest' | 'latest';
}

export class Pipeline {
  readonly dir: string;
  readonly indexPrefix: string;
  readonly kafka: Kafka;
  readonly es: Client;
  readonly services = new Map<Service, ServiceProcess>();
  /** Every process this run started (restarted stages included), for the final clean-up. */
  private readonly started: ServiceProcess[] = [];
  private readonly password = randomBytes(12).toString('base64url');
  private readonly env: NodeJS.ProcessEnv;
  private ingestPort = 0;

  constructor(readonly options: PipelineOptions) {
    const { name, run } = options;
    this.dir = mkdtempSync(join(tmpdir(), `lrstream-${name}-${run}-`));
    this.indexPrefix = `lrstream-${name}-${run}`;
    const brokers = requiredEnv('KAFKA_BROKERS');
    this.kafka = createKafka({ brokers: parseBrokers(brokers), clientId: `${name}-${run}-test` });
    this.es = new Client({ node: requiredEnv('ELASTICSEARCH_URL') });
    const keyFile = join(this.dir, 'key');
    writeFileSync(keyFile, randomBytes(32).toString('hex'));
    this.env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      KAFKA_BROKERS: brokers,
      SCHEMA_REGISTRY_URL: requiredEnv('SCHEMA_REGISTRY_URL'),
      ELASTICSEARCH_URL: requiredEnv('ELASTICSEARCH_URL'),
      INGEST_AUTH_FILE: join(this.dir, 'credentials.json'),
      ANONYMIZE_KEY_FILE: keyFile,
      PLATFORM_URL: PLATFORM,
      INDEX_PREFIX: this.indexPrefix,
      LOG_LEVEL: 'info',
      ...(options.startFrom ? { START_FROM: options.startFrom } : {}),
    };
  }

  groupId(stage: Stage): string {
    return `${this.options.name}-${this.options.run}-${stage}`;
  }

  get ingestUrl(): string {
    return `http://127.0.0.1:${this.ingestPort}`;
  }

  auth(): string {
    return `Basic ${Buffer.from(`${this.options.name}:${this.password}`).toString('base64')}`;
  }

  async writeCredentials(): Promise<void> {
    const hash = await hashSecret(this.password);
    writeFileSync(
      this.env.INGEST_AUTH_FILE!,
      JSON.stringify([{ username: this.options.name, hash, scopes: ['statements/write', 'edx/write'] }]),
    );
  }

  /**
   * Starts a service as its own process and waits for /readyz (failing if the process exits);
   * `extraEnv` adds to (or overrides) the run's environment for this process only.
   */
  async start(name: Service, extraEnv: NodeJS.ProcessEnv = {}): Promise<ServiceProcess> {
    assert.ok(!this.services.get(name) || this.services.get(name)!.exitedAlready, `${name} already runs`);
    const metricsPort = await freePort();
    const env: NodeJS.ProcessEnv = { ...this.env, ...extraEnv, METRICS_PORT: String(metricsPort) };
    if (name === 'ingest') {
      this.ingestPort = await freePort();
      env.INGEST_PORT = String(this.ingestPort);
    } else env.GROUP_ID = this.groupId(name);
    const child = spawn(process.execPath, [join(repoRoot, `services/${name}/dist/main.js`)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line) output.push(line);
      if (output.length > 400) output.splice(0, output.length - 400);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const service: ServiceProcess = {
      name,
      child,
      metricsPort,
      output,
      exitedAlready: false,
      exited: new Promise((resolve) =>
        child.on('exit', (code, signal) => {
          service.exitedAlready = true;
          resolve({ code, signal });
        }),
      ),
    };
    this.services.set(name, service);
    this.started.push(service);
    await waitFor(
      `${name} ready (/readyz 200)`,
      async () => {
        if (service.exitedAlready)
          throw new Error(`${name} exited before it was ready:\n${output.slice(-20).join('\n')}`);
        const response = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
        return response.status === 200 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    ).catch((err: unknown) => {
      if (service.exitedAlready) throw err;
      throw new Error(`${(err as Error).message}\n${output.slice(-20).join('\n')}`);
    });
    return service;
  }

  /** Sends a signal and waits for the process to be gone. */
  async kill(name: Service, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const service = this.services.get(name);
    assert.ok(service, `${name} was started`);
    if (service.exitedAlready) return;
    service.child.kill(signal);
    await service.exited;
  }

  async metrics(name: Service): Promise<string> {
    const service = this.services.get(name);
    assert.ok(service && !service.exitedAlready, `${name} runs`);
    return (await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`)).text();
  }

  /**
   * Waits until the running stages are idle: no consumer lag and no consumed counter moving between
   * two polls 500 ms apart (bounded; a stage that cannot settle is reported by the caller's checks).
   */
  async settle(timeoutMs = 30_000): Promise<void> {
    let previous = '';
    await waitFor(
      'the running stages idle',
      async () => {
        const snapshot: number[] = [];
        for (const stage of STAGES) {
          const service = this.services.get(stage);
          if (!service || service.exitedAlready) continue;
          const text = await this.metrics(stage);
          if (metricSum(text, `lrstream_${stage}_consumer_lag_messages`) > 0) return undefined;
          snapshot.push(metricSum(text, `lrstream_${stage}_events_consumed_total`));
        }
        const key = snapshot.join(',');
        const idle = key === previous;
        previous = key;
        return idle ? true : undefined;
      },
      { timeoutMs, intervalMs: 500 },
    ).catch(() => undefined);
  }

  /** Downstream first, so each stage's group has joined before anything reaches it. */
  async startAll(extraEnv: Partial<Record<Service, NodeJS.ProcessEnv>> = {}): Promise<void> {
    await this.writeCredentials();
    for (const name of ['index', 'anonymize', 'convert', 'validate', 'ingest'] as const)
      await this.start(name, extraEnv[name]);
  }

  /** The environment the run's services get (brokers, registry, Elasticsearch, key file...). */
  get serviceEnv(): NodeJS.ProcessEnv {
    return { ...this.env };
  }

  /** POSTs tracking-log lines (NDJSON) to ingest; anything but 200 fails. */
  async postEdx(lines: readonly string[]): Promise<void> {
    const response = await fetch(`${this.ingestUrl}/edx/events`, {
      method: 'POST',
      headers: { authorization: this.auth(), 'content-type': 'application/x-ndjson' },
      body: lines.join('\n') + '\n',
    });
    assert.equal(response.status, 200, await response.text());
  }

  /** The topic's end offsets (high watermarks) per partition. */
  async topicEnds(topic: string): Promise<Offsets> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
    } finally {
      await admin.disconnect();
    }
  }

  /** The group's committed offsets per partition (-1: no commit), read with the admin API. */
  async committed(stage: Stage): Promise<Offsets> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const [entry] = await admin.fetchOffsets({
        groupId: this.groupId(stage),
        topics: [INPUT_TOPIC[stage]],
      });
      return new Map((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    } finally {
      await admin.disconnect();
    }
  }

  /** Waits until the stages' groups have no member left (a killed member leaves at its session timeout). */
  async groupsEmpty(stages: readonly Stage[], timeoutMs = 90_000): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await waitFor(
        `no member left in the groups of ${stages.join(', ')}`,
        async () => {
          const { groups } = await admin.describeGroups(stages.map((s) => this.groupId(s)));
          return groups.every((g) => g.members.length === 0) ? true : undefined;
        },
        { timeoutMs, intervalMs: 500 },
      );
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Every record of `topic` between `from` and the end offsets at the time of the call, decoded;
   * `select` maps a value to the id the test counts (undefined: not this run's record).
   */
  async readRange(
    topic: string,
    from: Offsets,
    select: (value: Record<string, unknown>) => string | undefined,
  ) {
    const to = await this.topicEnds(topic);
    const ids: string[] = [];
    const read = new Set<string>();
    const remaining = new Map([...to].filter(([p, end]) => end > (from.get(p) ?? 0)));
    if (remaining.size === 0) return ids;
    const codec = createSchemaCodec({ url: requiredEnv('SCHEMA_REGISTRY_URL') });
    const consumer = this.kafka.consumer({
      groupId: `${this.options.name}-${this.options.run}-reader-${randomBytes(3).toString('hex')}`,
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          const offset = Number(message.offset);
          const end = to.get(partition) ?? 0;
          if (offset >= end || offset < (from.get(partition) ?? 0)) return;
          // The fetch that starts before the seeks below can deliver part of the range a second
          // time: each record counts once, by its position.
          const position = `${partition}:${offset}`;
          if (read.has(position)) return;
          read.add(position);
          if (message.value) {
            const id = select(await codec.decode<Record<string, unknown>>(message.value));
            if (id !== undefined) ids.push(id);
          }
          if (offset === end - 1) remaining.delete(partition);
        },
      });
      for (const [partition, end] of to)
        consumer.seek({
          topic,
          partition,
          offset: String(remaining.has(partition) ? (from.get(partition) ?? 0) : end),
        });
      await waitFor(`the records of ${topic} read`, async () => (remaining.size === 0 ? true : undefined), {
        timeoutMs: 60_000,
        intervalMs: 100,
      });
    } finally {
      await consumer.disconnect();
    }
    return ids;
  }

  /** Which of these statement ids are indexed, with their Elasticsearch _version (after a refresh). */
  async indexedVersions(ids: readonly string[]): Promise<Map<string, number>> {
    await this.es.indices
      .refresh({ index: `${this.indexPrefix}*`, ignore_unavailable: true })
      .catch(() => undefined);
    // Documents are indexed under keyed statement ids (anonymized zone); the run holds the key.
    const byDocId = keyedStatementIds(ids, join(this.dir, 'key'));
    const docIds = [...byDocId.keys()];
    const found = new Map<string, number>();
    for (let i = 0; i < docIds.length; i += 1000) {
      const result = await this.es.search({
        index: `${this.indexPrefix}*`,
        size: 1000,
        version: true,
        _source: false,
        query: { ids: { values: docIds.slice(i, i + 1000) } },
        ignore_unavailable: true,
      });
      for (const hit of result.hits.hits)
        if (hit._id) found.set(byDocId.get(hit._id) ?? hit._id, hit._version ?? 1);
    }
    return found;
  }

  /** Kills every process the run started, deletes its indices, groups and files. */
  async cleanUp(): Promise<void> {
    for (const service of this.started)
      if (!service.exitedAlready) {
        service.child.kill('SIGKILL');
        await service.exited;
      }
    await this.es.indices
      .delete({ index: `${this.indexPrefix}*`, ignore_unavailable: true })
      .catch(() => undefined);
    await this.es.close();
    const admin = this.kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups(STAGES.map((s) => this.groupId(s))))
      .catch(() => undefined)
      .finally(() => admin.disconnect());
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Tracking-log events that each give exactly one statement (a browser play_video), unique to the
 * run: its own learner ids and event times. `actors` learners are used round robin; their keys
 * spread them over partitions (one learner: one partition on every topic).
 */
export class EdxLoad {
  private count = 0;
  private readonly userBase: number;
  private readonly t0 = Date.now();
  /** Statement id of every event generated so far, by the tag the test gave it. */
  readonly statementIds = new Map<string, string[]>();
  /** The run's learner ids in edx.valid.v1 event_json, to recognise the run's validated events. */
  readonly marker: string;

  constructor(run: string) {
    this.userBase = 1_000_000 + (Number.parseInt(run.slice(0, 6), 16) % 1_000_000) * 1000;
    this.marker = `fl-${run}-`;
  }

  /** `n` events of learners `firstActor..firstActor+actors-1`, recorded under `tag`. */
  events(tag: string, n: number, actors: number, firstActor = 0): string[] {
    const lines: string[] = [];
    const ids = this.statementIds.get(tag) ?? [];
    this.statementIds.set(tag, ids);
    for (let k = 0; k < n; k++) {
      const i = this.count++;
      const userId = this.userBase + firstActor + (i % actors);
      const course = 'course-v1:FUN+FAULTS+2026_T1';
      const event = {
        username: `${this.marker}${userId}`,
        session: 'f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0',
        ip: '198.51.100.7',
        agent: 'Mozilla/5.0 (X11; Linux x86_64)',
        host: 'lms.example.org',
        referer: `${PLATFORM}/courses/${course}/courseware/`,
        accept_language: 'fr-FR',
        event_source: 'browser',
        event_type: 'play_video',
        name: 'play_video',
        time: new Date(this.t0 + i).toISOString().replace('Z', '+00:00'),
        page: `${PLATFORM}/courses/${course}/courseware/`,
        context: { user_id: userId, org_id: 'FUN', course_id: course, path: '/event', course_user_tags: {} },
        event: JSON.stringify({ id: 'faults00video', code: 'html5', duration: 600, currentTime: i % 600 }),
      };
      const statements = edxOracleStatements(event, PLATFORM);
      assert.equal(statements.length, 1, 'a play_video gives one statement');
      ids.push(String(statements[0]!.id));
      lines.push(JSON.stringify(event));
    }
    return lines;
  }

  ids(...tags: string[]): string[] {
    return tags.flatMap((t) => this.statementIds.get(t) ?? []);
  }
}

/**
 * Posts `ratePerSecond` events for `durationMs` in requests every 100 ms, under `tag`; `during`
 * runs alongside (e.g. the kill and restart) and the load stops when both are over.
 */
export async function steadyLoad(
  pipeline: Pipeline,
  load: EdxLoad,
  options: { tag: string; ratePerSecond: number; durationMs: number; actors: number },
  during: () => Promise<void> = async () => undefined,
): Promise<void> {
  const perTick = Math.max(1, Math.round(options.ratePerSecond / 10));
  const deadline = Date.now() + options.durationMs;
  const sender = (async () => {
    let next = Date.now();
    while (Date.now() < deadline) {
      await pipeline.postEdx(load.events(options.tag, perTick, options.actors));
      next += 100;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
    }
  })();
  await Promise.all([sender, during()]);
}

/** Sum of a metric's samples (all label sets) in a Prometheus text exposition. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.split(' ').pop());
  return sum;
}

/** A histogram's cumulative bucket counts by upper bound (`le`), from a Prometheus text exposition. */
export function histogramBuckets(text: string, name: string): Map<number, number> {
  const buckets = new Map<number, number>();
  const pattern = new RegExp(`^${name}_bucket\\{.*le="([^"]+)".*\\} (\\S+)$`);
  for (const line of text.split('\n')) {
    const match = pattern.exec(line);
    if (!match) continue;
    const le = match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]);
    buckets.set(le, (buckets.get(le) ?? 0) + Number(match[2]));
  }
  return buckets;
}

/**
 * An upper bound of the largest observation a histogram received between two scrapes: the smallest
 * `le` whose bucket gained every new observation (undefined when nothing was observed).
 */
export function largestObservedBetween(
  earlier: Map<number, number>,
  later: Map<number, number>,
): number | undefined {
  const total = (later.get(Number.POSITIVE_INFINITY) ?? 0) - (earlier.get(Number.POSITIVE_INFINITY) ?? 0);
  if (total <= 0) return undefined;
  let bound = Number.POSITIVE_INFINITY;
  for (const [le, count] of later) if (count - (earlier.get(le) ?? 0) >= total && le < bound) bound = le;
  return bound;
}

/** How many more copies than distinct ids a list holds (restricted to `ids` when given). */
export function duplicates(seen: readonly string[], ids?: ReadonlySet<string>): number {
  const counted = ids ? seen.filter((id) => ids.has(id)) : seen;
  return counted.length - new Set(counted).size;
}
