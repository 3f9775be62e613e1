// The archive beyond retention, on the real stack: the archive service (a child process, as an
// operator runs it) writes the raw topic into a directory and into a real S3-compatible server
// (S3Proxy); every offset is in exactly one object, manifests match, a SIGKILL mid-stream loses and
// doubles nothing. Test records carry Kafka times in a random hour of 2001, so the test's objects
// (and a replay of that hour) hold only its own records; assertions are on its own event ids.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dropTestStore,
  keepLogs,
  privateHour,
  produceRawStatements,
  provideS3,
  readArchive,
  requiredEnv,
  startArchiveProcess,
  storeOf,
  testStoreEnv,
  waitFor,
  type ArchiveProcess,
  type S3Server,
} from '@lrstream/test';

const run = randomBytes(4).toString('hex');
const logs = mkdtempSync(join(tmpdir(), `lrstream-archive-it-${run}-`));
let s3: S3Server | undefined;
const started: ArchiveProcess[] = [];
const stores: NodeJS.ProcessEnv[] = [];

const archiveEnv = (store: NodeJS.ProcessEnv, name: string): NodeJS.ProcessEnv => ({
  ...process.env,
  KAFKA_BROKERS: requiredEnv('KAFKA_BROKERS'),
  SCHEMA_REGISTRY_URL: requiredEnv('SCHEMA_REGISTRY_URL'),
  GROUP_ID: `archive-it-${run}-${name}`,
  // A new store holds nothing: each partition starts at its end when the service joins.
  START_FROM: 'latest',
  ARCHIVE_MAX_RECORDS: '150',
  ARCHIVE_FLUSH_INTERVAL_MS: '1000',
  LOG_LEVEL: 'info',
  ...store,
});

before(async () => {
  s3 = await provideS3();
});

after(async () => {
  for (const p of started) await p.kill().catch(() => undefined);
  for (const store of stores) await dropTestStore(store).catch(() => undefined);
  await s3?.stop();
  keepLogs(logs, `archive-${run}`);
  rmSync(logs, { recursive: true, force: true });
});

describe('archive service', { timeout: 240_000 }, () => {
  for (const kind of ['dir', 's3'] as const) {
    test(`archives every record exactly once into ${kind === 'dir' ? 'a directory' : 'S3 (S3Proxy)'}`, async () => {
      const storeEnv = testStoreEnv(kind, s3, `${run}-${kind}`);
      stores.push(storeEnv);
      const archive = await startArchiveProcess(
        archiveEnv(storeEnv, kind),
        join(logs, `archive-${kind}.log`),
      );
      started.push(archive);
      const n = 600;
      const began = Date.now();
      const inputs = await produceRawStatements(n, privateHour(), { tag: `arc-${run}-${kind}` });
      const store = storeOf(storeEnv);
      await waitFor(
        `${n} records in the ${kind} archive`,
        async () => {
          const c = await readArchive(store);
          return inputs.every((i) => c.eventIds.has(i.eventId)) ? c : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      const seconds = (Date.now() - began) / 1000;
      await archive.stop();
      // Read again once stopped: an object may have been read before its manifest entry was written.
      const contents = await readArchive(store);
      assert.deepEqual(contents.problems, []);
      const mine = inputs.map((i) => contents.eventIds.get(i.eventId));
      assert.equal(mine.filter((c) => c === 1).length, n, 'each event in exactly one line');
      process.stderr.write(
        `archive into ${kind}: ${n} records (and ${contents.eventIds.size - n} of others) in ${contents.objects.length} objects, ` +
          `${seconds.toFixed(1)} s from the first send to all archived (${Math.round(n / seconds)} records/s)\n`,
      );
    });
  }

  test('a SIGKILL mid-stream, then a restart: no gap, no overlap, no line twice (S3)', async () => {
    const storeEnv = testStoreEnv('s3', s3, `${run}-kill`);
    stores.push(storeEnv);
    const env = archiveEnv(storeEnv, 'kill');
    const logFile = join(logs, 'archive-kill.log');
    const store = storeOf(storeEnv);
    const hour = privateHour();
    let archive = await startArchiveProcess(env, logFile);
    started.push(archive);
    const n = 1500;
    const sending = produceRawStatements(n, hour, { tag: `kill-${run}`, chunk: 50, pauseMs: 40 });
    // Kill it once part of the stream is archived, while records keep coming.
    await waitFor(
      'some records archived',
      async () => ((await readArchive(store)).eventIds.size >= 300 ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    await archive.kill();
    archive = await startArchiveProcess(env, logFile);
    started.push(archive);
    const inputs = await sending;
    await waitFor(
      `${n} records in the archive after the restart`,
      async () => {
        const c = await readArchive(store);
        return inputs.every((i) => c.eventIds.has(i.eventId)) ? c : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    await archive.stop();
    const contents = await readArchive(store);
    assert.deepEqual(contents.problems, []);
    assert.equal(inputs.filter((i) => contents.eventIds.get(i.eventId) === 1).length, n);
    assert.equal([...contents.eventIds.values()].filter((c) => c > 1).length, 0, 'no event twice');
  });
});
