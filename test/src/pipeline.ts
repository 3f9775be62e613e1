// The whole pipeline (ingest -> validate -> convert -> anonymize -> index) run in process on the
// real stack, for tests: the run's own credentials, key, consumer groups and index prefix, so that
// a run neither disturbs nor is disturbed by a running pipeline or a concurrent test.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import {
  anonymizedEventId,
  anonymizedStatementId,
  convertOpenedx,
  type PseudonymKey,
} from '@lrstream/domain';
import { hashSecret, startIngest } from '@lrstream/ingest';
import { startValidate } from '@lrstream/validate';
import { startConvert } from '@lrstream/convert';
import { startAnonymize } from '@lrstream/anonymize';
import { startIndex } from '@lrstream/index';
import { waitFor } from './wait.js';

type Json = Record<string, unknown>;

/** A stack variable the test needs, with a clear error when the suite runs without the stack. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run with the stack env (eval "$(npx lrstream stack env)").`);
  return value;
}

export type PipelineStage = 'index' | 'anonymize' | 'convert' | 'validate' | 'ingest';
/** Downstream first: each stage's consumer group has joined before anything reaches it. */
const START_ORDER: readonly PipelineStage[] = ['index', 'anonymize', 'convert', 'validate', 'ingest'];

export interface RunningStage {
  stop(): Promise<void>;
  metricsPort?: number;
  /** The service's readiness (its /readyz); a stage is started only when downstream is ready. */
  ready?(): boolean;
}
export type StageStarter = (env: NodeJS.ProcessEnv) => Promise<RunningStage>;

const STARTERS: Record<Exclude<PipelineStage, 'ingest'>, StageStarter> = {
  index: startIndex,
  anonymize: startAnonymize,
  convert: startConvert,
  validate: startValidate,
};

export interface InProcessPipelineOptions {
  /** Names the run's user, consumer groups (`<name>-<run>-<stage>`) and indices (`lrstream-<name>-<run>`). */
  name: string;
  run: string;
  platformUrl: string;
  /** Where the credentials and key files go; a new temporary folder when absent. */
  dir?: string;
  /**
   * Where the run's new consumer groups begin: the oldest retained records (the services' default),
   * or `latest`: the services run with START_FROM=latest, so each new group starts at its input
   * topic's end when it first joins (a long-lived stack's old records are skipped) and commits that
   * position itself; a stage restarted later resumes from its own commits. Each stage is ready
   * (its /readyz condition) before the next one upstream starts.
   */
  startFrom?: 'latest';
  /** ANONYMIZE_POLICY (no policy file, no keyring); the service default when absent. */
  anonymizePolicy?: string;
  /** Write a random ANONYMIZE_KEY_FILE (default true); false when the test brings its own keyring. */
  anonymizeKeyFile?: boolean;
  /** Replaces how a stage is started (e.g. as a child process); it gets the stage's env. */
  starters?: Partial<Record<PipelineStage, StageStarter>>;
}

export interface InProcessPipeline {
  readonly dir: string;
  readonly indexPrefix: string;
  /** The env every stage gets, without its GROUP_ID. */
  readonly env: NodeJS.ProcessEnv;
  readonly es: Client;
  /** The current ingest's base URL (changes when ingest is started again). */
  ingestUrl: string;
  readonly services: Partial<Record<PipelineStage, RunningStage>>;
  auth(): string;
  /** The stage's env: the run's env with the stage's own consumer group. */
  stageEnv(stage: PipelineStage): NodeJS.ProcessEnv;
  /** (Re)starts a stage in its own group; the previous instance must have been stopped. */
  start(stage: PipelineStage): Promise<RunningStage>;
  /** Stops every stage (upstream first), deletes the run's indices, closes the client. */
  stop(): Promise<void>;
}

export async function startInProcessPipeline(options: InProcessPipelineOptions): Promise<InProcessPipeline> {
  const { name, run } = options;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), `lrstream-${name}-${run}-`));
  const password = randomBytes(12).toString('base64url');
  const indexPrefix = `lrstream-${name}-${run}`;
  const authFile = join(dir, 'credentials.json');
  writeFileSync(
    authFile,
    JSON.stringify([
      { username: name, hash: await hashSecret(password), scopes: ['statements/write', 'edx/write'] },
    ]),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_BROKERS: requiredEnv('KAFKA_BROKERS'),
    SCHEMA_REGISTRY_URL: requiredEnv('SCHEMA_REGISTRY_URL'),
    ELASTICSEARCH_URL: requiredEnv('ELASTICSEARCH_URL'),
    INGEST_AUTH_FILE: authFile,
    INGEST_PORT: '0',
    PLATFORM_URL: options.platformUrl,
    INDEX_PREFIX: indexPrefix,
    METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
  };
  if (options.startFrom === 'latest') env.START_FROM = 'latest';
  if (options.anonymizePolicy !== undefined)
    Object.assign(env, {
      ANONYMIZE_POLICY: options.anonymizePolicy,
      ANONYMIZE_POLICY_FILE: '',
      ANONYMIZE_KEYRING_FILE: '',
    });
  if (options.anonymizeKeyFile ?? true) {
    const keyFile = join(dir, 'key');
    writeFileSync(keyFile, randomBytes(32).toString('hex'));
    env.ANONYMIZE_KEY_FILE = keyFile;
  }

  const services: Partial<Record<PipelineStage, RunningStage>> = {};
  const stageEnv = (stage: PipelineStage) => ({ ...env, GROUP_ID: `${name}-${run}-${stage}` });
  const pipeline: InProcessPipeline = {
    dir,
    indexPrefix,
    env,
    es: new Client({ node: requiredEnv('ELASTICSEARCH_URL') }),
    ingestUrl: '',
    services,
    auth: () => `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`,
    stageEnv,
    async start(stage) {
      const custom = options.starters?.[stage];
      if (custom) return (services[stage] = await custom(stageEnv(stage)));
      if (stage !== 'ingest') return (services[stage] = await STARTERS[stage](stageEnv(stage)));
      const ingest = await startIngest(stageEnv('ingest'));
      pipeline.ingestUrl = ingest.url;
      return (services.ingest = ingest);
    },
    async stop() {
      for (const stage of [...START_ORDER].reverse()) await services[stage]?.stop();
      await pipeline.es.indices
        .delete({ index: `${indexPrefix}*`, ignore_unavailable: true })
        .catch(() => undefined);
      await pipeline.es.close();
    },
  };

  try {
    for (const stage of START_ORDER) {
      const started = await pipeline.start(stage);
      if (started.ready) await waitFor(`${stage} ready`, async () => (started.ready?.() ? true : undefined));
    }
  } catch (err) {
    await pipeline.stop().catch(() => undefined);
    throw err;
  }
  return pipeline;
}

interface IngestTarget {
  ingestUrl: string;
  auth(): string;
}

/** POSTs tracking-log lines to ingest as one NDJSON body; anything but 200 fails the test. */
export async function postEdxLines(target: IngestTarget, lines: readonly string[]): Promise<void> {
  const response = await fetch(`${target.ingestUrl}/edx/events`, {
    method: 'POST',
    headers: { authorization: target.auth(), 'content-type': 'application/x-ndjson' },
    body: lines.join('\n') + '\n',
  });
  assert.equal(response.status, 200, await response.text());
}

/** POSTs xAPI statements to ingest: a text is sent byte for byte, anything else as JSON. */
export async function postStatements(target: IngestTarget, body: string | readonly unknown[]): Promise<void> {
  const response = await fetch(`${target.ingestUrl}/xAPI/statements`, {
    method: 'POST',
    headers: {
      authorization: target.auth(),
      'content-type': 'application/json',
      'x-experience-api-version': '1.0.3',
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  assert.equal(response.status, 200, await response.text());
}

/** Which of these statement ids the run's indices hold (after a refresh). */
/**
 * The pseudonymisation key a run wrote to its ANONYMIZE_KEY_FILE (the services read the file's
 * text as the secret). A test holds the key, so it can compute the keyed ids of the anonymized zone.
 */
export function runKey(keyFile: string): PseudonymKey {
  return { id: 'run', secret: Buffer.from(readFileSync(keyFile, 'utf8').trim()) };
}

/** The keyed statement id (anonymized zone) of each original id, under a run's key and policy. */
export function keyedStatementIds(
  ids: Iterable<string>,
  keyFile: string,
  policy = 'pseudonymize',
): Map<string, string> {
  const key = runKey(keyFile);
  return new Map([...ids].map((id) => [anonymizedStatementId(id, key, policy), id]));
}

/** The keyed event id (anonymized zone) of each raw event id, under a run's key and policy. */
export function keyedEventIds(
  ids: Iterable<string>,
  keyFile: string,
  policy = 'pseudonymize',
): Map<string, string> {
  const key = runKey(keyFile);
  return new Map([...ids].map((id) => [anonymizedEventId(id, key, policy), id]));
}

/**
 * Which of these statement ids the run's indices hold (after a refresh). Documents are indexed under
 * keyed ids: with the run's key file, `ids` are original statement ids and the originals found are
 * returned; without it, `ids` are document ids as they are.
 */
export async function indexedIds(
  es: Client,
  prefix: string,
  ids: Iterable<string>,
  keyFile?: string,
): Promise<Set<string>> {
  await es.indices.refresh({ index: `${prefix}*`, ignore_unavailable: true }).catch(() => undefined);
  const byDocId = keyFile ? keyedStatementIds(ids, keyFile) : new Map([...ids].map((id) => [id, id]));
  const found = new Set<string>();
  const list = [...byDocId.keys()];
  for (let i = 0; i < list.length; i += 1000) {
    const result = await es.search({
      index: `${prefix}*`,
      size: 1000,
      _source: false,
      query: { ids: { values: list.slice(i, i + 1000) } },
    });
    for (const hit of result.hits.hits) if (hit._id) found.add(byDocId.get(hit._id) ?? hit._id);
  }
  return found;
}

/** The run's indexed documents for these statement ids, by id (after a refresh). */
export async function indexedDocuments(
  es: Client,
  prefix: string,
  ids: readonly string[],
): Promise<Map<string, Json>> {
  await es.indices.refresh({ index: `${prefix}*`, ignore_unavailable: true }).catch(() => undefined);
  const found = new Map<string, Json>();
  for (let i = 0; i < ids.length; i += 1000) {
    const result = await es.search<Json>({
      index: `${prefix}*`,
      size: 1000,
      query: { ids: { values: ids.slice(i, i + 1000) } },
    });
    for (const hit of result.hits.hits) if (hit._id && hit._source) found.set(hit._id, hit._source);
  }
  return found;
}

/**
 * The statements the convert stage must produce for a tracking-log event (its `original`), with
 * the options the pipeline uses: the domain converter is the tests' oracle for edX ids.
 */
export function edxOracleStatements(original: unknown, lmsRootUrl: string): Json[] {
  return convertOpenedx(original, {
    lmsRootUrl,
    actorId: (u) => (u.userId !== undefined && u.userId !== '' ? String(u.userId) : u.username || undefined),
    courseName: () => undefined,
  }).statements as unknown as Json[];
}
