// A schema-registry restart under a running pipeline (issue "Delivery guarantees that hold under
// faults", point 2: "a registry restart turns a restarted stage into a dead-letter machine"). The
// test runs its own registry (the stack's Apicurio from the shared cache, on free ports, own state
// folder, configured as the stack configures it by default) and its own Kafka broker (the topics'
// names are fixed: records framed with this registry's ids must not reach other pipelines on the
// shared broker). Elasticsearch is shared (own index prefix).
//
// Schemas are registered once by the operator command `lrstream topics apply`, before any service
// starts. Then, with valid statements sent to ingest all along: the registry restarts (its ids must
// survive), every service restarts after it, and in the end nothing valid is dead-lettered and
// every acknowledged statement is indexed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { hashSecret } from '@lrstream/ingest';
import { TOPICS } from '@lrstream/schemas';
import { down, loadStackConfig, stackEnv, type StackConfig } from '@lrstream/stack';
import {
  REPO_ROOT,
  RegistryView,
  freePort,
  indexedIds,
  keepLogs,
  readDeadLetters,
  requiredEnv,
  startComponent,
  startService,
  stopProcessGroup,
  tailFile,
  topicEnds,
  type DeadLetterReader,
  type ServiceName,
  type ServiceProcess,
} from '@lrstream/test';

const PLATFORM = 'https://lms.example.org';
const PHASE_MS = 6000;
const STALL_MS = 60_000;
const OVERALL_MS = 180_000;

/** Every value subject of the topic catalogue (shared/schemas/topics.json). */
const SUBJECTS = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'shared/schemas/topics.json'), 'utf8')) as {
    topics: { name: string }[];
  }
).topics.map((t) => `${t.name}-value`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('registry restart under a running pipeline', { timeout: 600_000 }, () => {
  const run = randomUUID().slice(0, 8);
  const dir = mkdtempSync(join(tmpdir(), `lrstream-registry-${run}-`));
  const es = new Client({ node: requiredEnv('ELASTICSEARCH_URL') });
  const indexPrefix = `lrstream-registry-${run}`;
  const password = randomBytes(12).toString('base64url');
  let config: StackConfig;
  let brokers = '';
  let registryUrl = '';
  let registryPid = 0;
  let applied = false;
  const services = new Map<ServiceName, ServiceProcess>();
  let reader: DeadLetterReader | undefined;

  before(async () => {
    const env = { ...process.env };
    // The stack's default registry configuration, whatever it is in this tree.
    delete env.LRSTREAM_REGISTRY_STORAGE;
    config = loadStackConfig({
      ...env,
      LRSTREAM_STACK_DIR: join(dir, 'stack'),
      LRSTREAM_KAFKA_PORT: String(await freePort()),
      LRSTREAM_KAFKA_CONTROLLER_PORT: String(await freePort()),
      LRSTREAM_REGISTRY_PORT: String(await freePort(true)), // management on port + 1
      LRSTREAM_KAFKA_HEAP: '256m',
    });
    ({ KAFKA_BROKERS: brokers, SCHEMA_REGISTRY_URL: registryUrl } = stackEnv(config));
    await startComponent(config, 'kafka');
    registryPid = await startComponent(config, 'registry');
  });

  after(async () => {
    await reader?.stop().catch(() => undefined);
    for (const service of services.values()) await service.stop().catch(() => undefined);
    await es.indices.delete({ index: `${indexPrefix}*`, ignore_unavailable: true }).catch(() => undefined);
    await es.close();
    // Only what this test started: the pid files live in its own state folder.
    if (config) await down(config, () => undefined);
    keepLogs(dir, `registry-${run}`);
    rmSync(dir, { recursive: true, force: true });
  });

  async function subjectIds(): Promise<Record<string, number | undefined>> {
    const view = new RegistryView(registryUrl);
    return Object.fromEntries(await Promise.all(SUBJECTS.map(async (s) => [s, await view.latestId(s)])));
  }

  test('`lrstream topics apply` registers every value schema before any service starts', async () => {
    const apply = spawnSync(process.execPath, ['shared/cli/bin/lrstream.js', 'topics', 'apply'], {
      cwd: REPO_ROOT,
      env: { ...process.env, KAFKA_BROKERS: brokers, SCHEMA_REGISTRY_URL: registryUrl },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(
      apply.status,
      0,
      `"lrstream topics apply" failed (exit ${apply.status}): ${apply.stderr.split('\n')[0]}`,
    );
    const ids = await subjectIds();
    const missing = Object.entries(ids).filter(([, id]) => id === undefined);
    assert.deepEqual(missing, [], 'every subject registered');
    applied = true;
  });

  test(
    'valid statements sent through a registry restart and service restarts: none dead-lettered, all indexed',
    { timeout: 540_000 },
    async (t) => {
      if (!applied)
        t.diagnostic('topics apply did not succeed: the services register the schemas (current code)');
      const authFile = join(dir, 'credentials.json');
      writeFileSync(
        authFile,
        JSON.stringify([
          { username: 'registry', hash: await hashSecret(password), scopes: ['statements/write'] },
        ]),
      );
      const keyFile = join(dir, 'key');
      writeFileSync(keyFile, randomBytes(32).toString('hex'));
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        KAFKA_BROKERS: brokers,
        SCHEMA_REGISTRY_URL: registryUrl,
        ELASTICSEARCH_URL: requiredEnv('ELASTICSEARCH_URL'),
        INDEX_PREFIX: indexPrefix,
        ANONYMIZE_KEY_FILE: keyFile,
        INGEST_AUTH_FILE: authFile,
        PLATFORM_URL: PLATFORM,
        START_FROM: 'earliest',
        LOG_LEVEL: 'info',
      };
      const start = async (name: ServiceName) =>
        services.set(name, await startService(name, { ...env, GROUP_ID: `registry-${run}-${name}` }, dir));
      for (const name of ['index', 'anonymize', 'convert', 'validate', 'ingest'] as const) await start(name);

      const starts = new Map<string, Map<number, string>>();
      for (const topic of [TOPICS.deadLetterIdentified, TOPICS.deadLetterAnonymized])
        starts.set(topic, await topicEnds(brokers, topic));
      reader = await readDeadLetters(brokers, new RegistryView(registryUrl), starts, `registry-${run}`);
      const idsBefore = await subjectIds();

      // The client: a batch of valid statements every 250 ms; only a 200 counts as acknowledged.
      const acknowledged: string[] = [];
      let refused = 0;
      let sending = true;
      let n = 0;
      const auth = `Basic ${Buffer.from(`registry:${password}`).toString('base64')}`;
      const sender = (async () => {
        while (sending) {
          const batch = Array.from({ length: 10 }, () => {
            n += 1;
            return {
              id: randomUUID(),
              actor: {
                objectType: 'Agent',
                account: { homePage: PLATFORM, name: `learner-${run}-${n % 9}` },
              },
              verb: { id: 'http://adlnet.gov/expapi/verbs/experienced', display: { 'en-US': 'experienced' } },
              object: { objectType: 'Activity', id: `${PLATFORM}/registry-${run}/${n}` },
              timestamp: new Date().toISOString(),
            };
          });
          const ingest = services.get('ingest');
          const status = await fetch(`${ingest?.url}/xAPI/statements`, {
            method: 'POST',
            headers: {
              authorization: auth,
              'content-type': 'application/json',
              'x-experience-api-version': '1.0.3',
            },
            body: JSON.stringify(batch),
            signal: AbortSignal.timeout(15_000),
          }).then(
            (r) => r.status,
            () => 0,
          );
          if (status === 200) acknowledged.push(...batch.map((s) => s.id));
          else refused += 1;
          await sleep(250);
        }
      })();

      const timeline: string[] = [];
      const mark = (what: string) => timeline.push(`${what} (${acknowledged.length} acknowledged)`);
      let idsAfter: Record<string, number | undefined> = {};
      try {
        await sleep(PHASE_MS);
        mark('registry stopping');
        await stopProcessGroup(registryPid);
        registryPid = await startComponent(config, 'registry');
        mark('registry back');
        idsAfter = await subjectIds();
        await sleep(PHASE_MS);
        for (const name of ['index', 'anonymize', 'convert', 'validate', 'ingest'] as const) {
          await services.get(name)?.stop();
          await start(name);
          mark(`${name} restarted`);
        }
        await sleep(PHASE_MS);
      } finally {
        sending = false;
        await sender;
      }
      mark('sending stopped');

      // Wait until everything acknowledged is indexed, or nothing has moved for STALL_MS.
      const begin = Date.now();
      let last = -1;
      let lastMove = Date.now();
      let found = new Set<string>();
      for (;;) {
        found = await indexedIds(es, indexPrefix, acknowledged, keyFile);
        const progress = found.size + (reader?.letters.length ?? 0);
        if (progress !== last) [last, lastMove] = [progress, Date.now()];
        if (found.size === acknowledged.length) break;
        if (Date.now() - lastMove > STALL_MS || Date.now() - begin > OVERALL_MS) break;
        await sleep(2000);
      }

      const codes: Record<string, number> = {};
      for (const l of reader?.letters ?? [])
        codes[`${l.stage}:${l.error_code}`] = (codes[`${l.stage}:${l.error_code}`] ?? 0) + 1;
      const changed = SUBJECTS.filter((s) => idsBefore[s] !== idsAfter[s]).map(
        (s) => `${s} ${idsBefore[s]} -> ${idsAfter[s]}`,
      );
      for (const line of timeline) t.diagnostic(line);
      t.diagnostic(
        `${acknowledged.length} acknowledged (${refused} refused POSTs), ${found.size} indexed, ` +
          `${reader?.letters.length ?? 0} dead-lettered ${JSON.stringify(codes)}, ${reader?.undecodable.length ?? 0} undecodable dead letters`,
      );
      t.diagnostic(`ids before the registry restart ${JSON.stringify(idsBefore)}`);
      t.diagnostic(`ids after ${JSON.stringify(idsAfter)}`);
      for (const service of services.values()) {
        t.diagnostic(`${service.name}: ${service.exit === undefined ? 'alive' : `exited ${service.exit}`}`);
        const errors = tailFile(service.logFile, 200)
          .split('\n')
          .filter((l) => /"level":[56]0/.test(l));
        if (errors[0]) t.diagnostic(`  first error: ${errors[0].slice(0, 400)}`);
      }

      assert.ok(acknowledged.length > 0, 'ingest acknowledged statements');
      assert.deepEqual(
        {
          idsChangedByRestart: changed,
          deadLettered: reader?.letters.length ?? 0,
          notIndexed: acknowledged.length - found.size,
        },
        { idsChangedByRestart: [], deadLettered: 0, notIndexed: 0 },
        'a registry restart keeps the ids; nothing valid is dead-lettered; everything acknowledged is indexed',
      );
    },
  );
});
