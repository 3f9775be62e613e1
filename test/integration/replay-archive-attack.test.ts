// Black-box attack on the archive service, `replay archive` and `ingest file` (archive objects),
// written from the contract only (docs/replay-archive.md, --help). Run with the stack env:
//   eval "$(npx lrstream stack env)" && node --import tsx --test test/integration/replay-archive-attack.test.ts
// The S3 tests start their own S3Proxy (the shared stack's is never touched), own buckets, folders,
// consumer groups, index prefix and markers.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID, createHash } from 'node:crypto';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createKafka, parseBrokers } from '@lrstream/kafka';
import {
  REPO_ROOT,
  RegistryView,
  frame,
  freePort,
  keyedEventIds,
  readTopics,
  requiredEnv,
  startInProcessPipeline,
  postEdxLines,
  topicEnds,
  waitFor,
} from '@lrstream/test';

const RAW = 'events.raw.v1';
const CLI = join(REPO_ROOT, 'shared', 'cli', 'bin', 'lrstream.js');
const S3PROXY_LIBS = '/var/cache/lrstream/s3proxy-2.6.0/libs/*';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const run = randomBytes(4).toString('hex');
const MARK = `ATK${run}n`;
const markerRe = new RegExp(`${MARK}(\\d+)z`, 'g');
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
});

// ---------------------------------------------------------------------------------------------
// Child processes: the archive service and a private S3Proxy (process groups, killed by pgid).

interface Proc {
  child: ChildProcess;
  exited: boolean;
  logFile: string;
}

function startGroup(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
  cwd?: string,
): Proc {
  const out = openSync(logFile, 'a');
  const child = spawn(cmd, args, { env, cwd, detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  const proc: Proc = { child, exited: false, logFile };
  child.once('exit', () => (proc.exited = true));
  return proc;
}

function kill9(proc: Proc): Promise<void> {
  if (proc.exited) return Promise.resolve();
  const gone = new Promise<void>((r) => proc.child.once('exit', () => r()));
  try {
    process.kill(-(proc.child.pid as number), 'SIGKILL');
  } catch {
    /* gone */
  }
  return gone;
}

async function term(proc: Proc, graceMs = 30_000): Promise<void> {
  if (proc.exited) return;
  const gone = new Promise<void>((r) => proc.child.once('exit', () => r()));
  try {
    process.kill(-(proc.child.pid as number), 'SIGTERM');
  } catch {
    /* gone */
  }
  const timer = setTimeout(() => void kill9(proc), graceMs);
  await gone;
  clearTimeout(timer);
}

interface S3Server {
  endpoint: string;
  proc: Proc;
  start(): Promise<void>;
}

async function privateS3(dir: string, id: string, secret: string): Promise<S3Server> {
  const port = await freePort();
  const conf = join(dir, 's3proxy.conf');
  writeFileSync(
    conf,
    [
      `s3proxy.endpoint=http://127.0.0.1:${port}`,
      's3proxy.authorization=aws-v2-or-v4',
      `s3proxy.identity=${id}`,
      `s3proxy.credential=${secret}`,
      'jclouds.provider=filesystem',
      `jclouds.filesystem.basedir=${join(dir, 'data')}`,
      `jclouds.identity=${id}`,
      `jclouds.credential=${secret}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const server: S3Server = {
    endpoint: `http://127.0.0.1:${port}`,
    proc: undefined as unknown as Proc,
    async start() {
      // umask 077: jclouds' filesystem provider serves world-readable files anonymously (the docs).
      server.proc = startGroup(
        'sh',
        [
          '-c',
          `umask 077; exec java -Xmx128m -Djava.awt.headless=true -cp '${S3PROXY_LIBS}' org.gaul.s3proxy.Main --properties ${conf}`,
        ],
        process.env,
        join(dir, 's3proxy.log'),
        dir,
      );
      await waitFor(
        'private S3Proxy',
        async () => {
          if (server.proc.exited)
            throw new Error(readFileSync(join(dir, 's3proxy.log'), 'utf8').slice(-2000));
          const r = await fetch(server.endpoint).catch(() => undefined);
          return r ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 300 },
      );
    },
  };
  await server.start();
  return server;
}

async function startArchive(env: NodeJS.ProcessEnv, logFile: string): Promise<Proc> {
  const port = await freePort();
  const proc = startGroup(
    process.execPath,
    [join(REPO_ROOT, 'services', 'archive', 'dist', 'main.js')],
    { ...env, METRICS_PORT: String(port) },
    logFile,
  );
  await waitFor(
    'archive ready',
    async () => {
      if (proc.exited) throw new Error(`archive exited:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
      const r = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      return r?.status === 200 ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  return proc;
}

// ---------------------------------------------------------------------------------------------
// The store, read back: object names, lines, manifests.

const OBJECT_RE = /([^/]+)\+(\d+)\+(\d{20})\+(\d{20})\.ndjson\.gz$/;
interface StoredObject {
  name: string;
  partition: number;
  first: number;
  last: number;
}
function parseObject(name: string): StoredObject | undefined {
  const m = OBJECT_RE.exec(name);
  if (!m || m[1] !== RAW) return undefined;
  return { name, partition: Number(m[2]), first: Number(m[3]), last: Number(m[4]) };
}

interface Line {
  offset: number;
  partition: number;
  value: Record<string, unknown> | null;
  value_base64?: string;
  key?: string;
  bytes?: Record<string, string>;
  timestamp: number;
  text: string;
}

function markersOf(line: Line): Set<number> {
  let text = line.text;
  if (line.value_base64) text += Buffer.from(line.value_base64, 'base64').toString('latin1');
  const found = new Set<number>();
  for (const m of text.matchAll(markerRe)) found.add(Number(m[1]));
  return found;
}

/** Checks contiguity per partition and counts each marker; returns problems (empty = fine). */
function audit(
  objects: { meta: StoredObject; body: Buffer }[],
  expectMarkers: number,
): { problems: string[]; lines: Line[] } {
  const problems: string[] = [];
  const lines: Line[] = [];
  const byPartition = new Map<number, StoredObject[]>();
  for (const { meta, body } of objects) {
    byPartition.set(meta.partition, [...(byPartition.get(meta.partition) ?? []), meta]);
    const text = gunzipSync(body).toString('utf8').split('\n').filter(Boolean);
    const parsed = text.map((t) => ({ ...(JSON.parse(t) as Omit<Line, 'text'>), text: t }));
    const offsets = parsed.map((l) => Number(l.offset));
    const expected = Array.from({ length: meta.last - meta.first + 1 }, (_, i) => meta.first + i);
    if (JSON.stringify(offsets) !== JSON.stringify(expected))
      problems.push(
        `${meta.name}: lines hold offsets ${offsets.length} [${offsets[0]}..${offsets.at(-1)}], name says ${meta.first}..${meta.last}`,
      );
    lines.push(...parsed);
  }
  for (const [p, list] of byPartition) {
    list.sort((a, b) => a.first - b.first);
    for (let i = 1; i < list.length; i += 1) {
      const [a, b] = [list[i - 1]!, list[i]!];
      if (b.first !== a.last + 1)
        problems.push(
          `partition ${p}: ${a.first}..${a.last} then ${b.first}..${b.last} (${b.first <= a.last ? 'overlap' : 'gap'})`,
        );
    }
  }
  const counts = new Map<number, number>();
  for (const l of lines) for (const m of markersOf(l)) counts.set(m, (counts.get(m) ?? 0) + 1);
  const missing: number[] = [];
  const doubled: number[] = [];
  for (let i = 0; i < expectMarkers; i += 1) {
    const c = counts.get(i) ?? 0;
    if (c === 0) missing.push(i);
    if (c > 1) doubled.push(i);
  }
  if (missing.length)
    problems.push(`${missing.length} records missing, e.g. ${missing.slice(0, 5).join(',')}`);
  if (doubled.length)
    problems.push(`${doubled.length} records archived more than once, e.g. ${doubled.slice(0, 5).join(',')}`);
  return { problems, lines };
}

function listDir(root: string): string[] {
  return (readdirSync(root, { recursive: true }) as string[]).map((f) => join(root, f));
}

function hourArg(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13);
}

function cli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 90_000) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function rawEvent(i: number): Record<string, unknown> {
  const course = `course-v1:ATK+${run}+2026`;
  return {
    username: `${MARK}${i}z`,
    session: 'f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0',
    ip: '198.51.100.7',
    agent: 'Mozilla/5.0 (X11; Linux x86_64)',
    host: 'lms.example.org',
    referer: `https://lms.example.org/courses/${course}/courseware/`,
    accept_language: 'fr-FR',
    event_source: 'browser',
    time: new Date(Date.now() + i).toISOString().replace('Z', '+00:00'),
    page: `https://lms.example.org/courses/${course}/courseware/`,
    context: { user_id: 900_000 + i, org_id: 'ATK', course_id: course, path: '/event', course_user_tags: {} },
    event_type: 'play_video',
    name: 'play_video',
    event: { id: `atk${run}video`, code: 'html5', duration: 600, currentTime: i },
  };
}

// ---------------------------------------------------------------------------------------------

describe(
  'archive to S3 under SIGKILL of the service and of the S3 server, with poison',
  { timeout: 150_000 },
  () => {
    it('archives every record of the run exactly once, contiguously, privately, without payloads in logs', async () => {
      const brokers = requiredEnv('KAFKA_BROKERS');
      const registryUrl = requiredEnv('SCHEMA_REGISTRY_URL');
      const dir = mkdtempSync(join(tmpdir(), `atk-archive-s3-${run}-`));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const id = `atk${run}`;
      const secret = randomBytes(24).toString('hex');
      const s3 = await privateS3(dir, id, secret);
      cleanups.push(() => kill9(s3.proc));
      const bucket = `atk-${run}`;
      const client = new S3Client({
        endpoint: s3.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: id, secretAccessKey: secret },
        maxAttempts: 2,
        // S3Proxy refuses the SDK's default checksum headers ("not implemented").
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      cleanups.push(() => client.destroy());
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      const credFile = join(dir, 'creds.json');
      writeFileSync(credFile, JSON.stringify({ accessKeyId: id, secretAccessKey: secret }), { mode: 0o600 });
      const archiveEnv: NodeJS.ProcessEnv = {
        ...process.env,
        KAFKA_BROKERS: brokers,
        SCHEMA_REGISTRY_URL: registryUrl,
        ARCHIVE_STORE: 's3',
        S3_ENDPOINT: s3.endpoint,
        S3_BUCKET: bucket,
        S3_ACCESS_KEY_ID: '',
        S3_SECRET_ACCESS_KEY: '',
        S3_CREDENTIALS_FILE: credFile,
        GROUP_ID: `atk-archive-${run}`,
        START_FROM: 'latest',
        ARCHIVE_FLUSH_INTERVAL_MS: '700',
        ARCHIVE_MAX_RECORDS: '97',
        RETRY_BUDGET_MS: '60000',
        LOG_LEVEL: 'info',
      };
      const archiveLog = join(dir, 'archive.log');
      let archive = await startArchive(archiveEnv, archiveLog);
      cleanups.push(() => kill9(archive));

      // A steady stream: valid RawEvents, with non-Avro bytes and null values among them.
      const registry = new RegistryView(registryUrl);
      const { id: schemaId, type } = await registry.latest(`${RAW}-value`);
      const kafka = createKafka({ brokers: parseBrokers(brokers), clientId: `atk-${run}` });
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      cleanups.push(() => producer.disconnect());
      let sent = 0;
      let stop = false;
      const poison: number[] = [];
      const produce = (async () => {
        while (!stop) {
          const messages = [];
          for (let k = 0; k < 10; k += 1) {
            const i = sent + k;
            const marker = `${MARK}${i}z`;
            if (i % 41 === 7) {
              poison.push(i);
              messages.push({
                key: marker,
                value: Buffer.from(`not avro at all ${marker} {"username":"x"}`),
              });
            } else if (i % 41 === 19) {
              poison.push(i);
              messages.push({ key: marker, value: null });
            } else {
              const value = type.toBuffer({
                event_id: randomUUID(),
                received_at: Date.now(),
                format: 'edx',
                channel: 'stdin',
                producer: 'attack',
                payload: Buffer.from(JSON.stringify(rawEvent(i))),
                line_number: null,
                xapi_version: null,
              });
              messages.push({ key: marker, value: frame(schemaId, value) });
            }
          }
          await producer.send({ topic: RAW, messages });
          sent += messages.length;
          await sleep(40);
        }
      })();

      const restartArchive = async () => {
        await kill9(archive);
        archive = await startArchive(archiveEnv, archiveLog);
      };
      await sleep(2500);
      await restartArchive();
      await sleep(2500);
      await restartArchive();
      await sleep(1500);
      await kill9(s3.proc); // the storage server dies mid-stream
      await sleep(4000);
      const logDuringOutage = readFileSync(archiveLog, 'utf8');
      await s3.start();
      await sleep(2500);
      await restartArchive();
      await sleep(2000);
      stop = true;
      await produce;
      const ends = await topicEnds(brokers, RAW);

      const list = async (): Promise<StoredObject[]> => {
        const out: StoredObject[] = [];
        let token: string | undefined;
        do {
          const page = await client.send(
            new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
          );
          for (const o of page.Contents ?? []) {
            const meta = o.Key ? parseObject(o.Key) : undefined;
            if (meta) out.push(meta);
          }
          token = page.NextContinuationToken;
        } while (token);
        return out;
      };
      // Wait until the store reaches every partition's end (offsets < end), then stop gracefully.
      await waitFor(
        'the store to reach the topic ends',
        async () => {
          const objs = await list();
          for (const [p, end] of ends) {
            const last = Math.max(-1, ...objs.filter((o) => o.partition === p).map((o) => o.last));
            if (last < Number(end) - 1 && objs.some((o) => o.partition === p)) return undefined;
          }
          return true;
        },
        { timeoutMs: 45_000, intervalMs: 1000 },
      );
      await term(archive);

      const metas = await list();
      const objects = await Promise.all(
        metas.map(async (meta) => {
          const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: meta.name }));
          return { meta, body: Buffer.from(await r.Body!.transformToByteArray()) };
        }),
      );
      const { problems, lines } = audit(objects, sent);
      assert.deepEqual(
        problems,
        [],
        `sent ${sent} records (${poison.length} poison) over ${metas.length} objects`,
      );

      // Poison records are archived with value null (and value_base64 for non-Avro bytes).
      const poisonLines = lines.filter((l) => [...markersOf(l)].some((m) => poison.includes(m)));
      assert.equal(poisonLines.length, poison.length);
      for (const l of poisonLines)
        assert.equal(l.value, null, `poison at ${l.partition}@${l.offset} archived with a value`);

      // Manifests: each object's sha256 is listed in the manifests.
      let manifests = '';
      let page: string | undefined;
      do {
        const listed = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: `${RAW}/`, ContinuationToken: page }),
        );
        for (const o of listed.Contents ?? [])
          if (o.Key?.includes('/_manifest/')) {
            const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
            manifests += await r.Body!.transformToString();
          }
        page = listed.NextContinuationToken;
      } while (page);
      for (const { meta, body } of objects) {
        const hex = createHash('sha256').update(body).digest('hex');
        const b64 = createHash('sha256').update(body).digest('base64');
        assert.ok(manifests.includes(hex) || manifests.includes(b64), `${meta.name} not in a manifest`);
      }

      // Privacy: anonymous requests are refused; the logs hold no payload.
      const someKey = metas[0]!.name;
      for (const url of [
        `${s3.endpoint}/${bucket}`,
        `${s3.endpoint}/${bucket}?list-type=2`,
        `${s3.endpoint}/${bucket}/${someKey}`,
      ]) {
        const r = await fetch(url);
        const body = await r.text();
        assert.notEqual(r.status, 200, `anonymous GET ${url} answered 200`);
        assert.ok(!body.includes(MARK), `anonymous GET ${url} leaked a record`);
      }
      const log = readFileSync(archiveLog, 'utf8');
      assert.ok(!log.includes(MARK), 'the archive log holds a payload or key');
      // The outage was reported (an error or warning line while S3 was down).
      const outage = logDuringOutage.split('\n').filter((l) => /"level":(40|50|60)/.test(l));
      assert.ok(outage.length > 0, 'no warning or error logged while the S3 server was down');
    });
  },
);

describe('replay archive and ingest file from a directory store, end to end', { timeout: 170_000 }, () => {
  it('usage errors: malformed and impossible dates are refused', () => {
    const env = { ...process.env, REPLAY_METRICS_PORT: '0' };
    const empty = mkdtempSync(join(tmpdir(), `atk-empty-${run}-`));
    cleanups.push(() => rmSync(empty, { recursive: true, force: true }));
    const base = ['replay', 'archive', '--store', 'dir', '--dir', empty, '--dry-run'];
    for (const [from, to] of <[string, string][]>[
      ['nonsense', '2026-12-04'],
      ['2026-13-45', '2026-12-04'],
      ['2026-12-04T25', '2026-12-05'],
      ['2026-12-05', '2026-12-04'],
      // impossible calendar dates must not be rolled over into the next month
      ['2026-02-30', '2026-03-05'],
      ['2026-04-31T10', '2026-05-02'],
    ]) {
      const r = cli([...base, '--from', from, '--to', to], env);
      assert.equal(r.status, 2, `--from ${from} --to ${to}: a usage error (exit 2):\n${r.stdout}${r.stderr}`);
      assert.ok(!/\n\s+at /.test(r.stderr), `stack trace for --from ${from}`);
    }
    const missing = cli([...base, '--from', '2026-12-04'], env);
    assert.notEqual(missing.status, 0);
    // A window with no objects: a clean zero.
    const none = cli(
      [...base.filter((a) => a !== '--dry-run'), '--from', '2001-01-01', '--to', '2001-01-02', '--json'],
      env,
    );
    assert.equal(none.status, 0, none.stderr);
    const summary = JSON.parse(none.stdout.trim().split('\n').at(-1) as string) as Record<string, number>;
    assert.equal(summary.objects, 0);
    assert.equal(summary.reinjected, 0);
  });

  it('replays twice and re-ingests an object: each statement indexed exactly once; no payload in logs', async () => {
    const brokers = requiredEnv('KAFKA_BROKERS');
    const registryUrl = requiredEnv('SCHEMA_REGISTRY_URL');
    const dir = mkdtempSync(join(tmpdir(), `atk-archive-dir-${run}-`));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const store = join(dir, 'store');
    const pipeline = await startInProcessPipeline({
      name: 'atkarc',
      run,
      platformUrl: 'https://lms.example.org',
      startFrom: 'latest',
    });
    cleanups.push(() => pipeline.stop());
    const archiveLog = join(dir, 'archive.log');
    const archive = await startArchive(
      {
        ...process.env,
        KAFKA_BROKERS: brokers,
        SCHEMA_REGISTRY_URL: registryUrl,
        ARCHIVE_STORE: 'dir',
        ARCHIVE_DIR: store,
        GROUP_ID: `atk-archive-dir-${run}`,
        START_FROM: 'latest',
        ARCHIVE_FLUSH_INTERVAL_MS: '500',
      },
      archiveLog,
    );
    cleanups.push(() => kill9(archive));

    const N = 40;
    const lines = Array.from({ length: N }, (_, i) => JSON.stringify({ ...rawEvent(i), ip: '198.51.100.7' }));
    await postEdxLines(pipeline, lines);

    // The run's records in the store: their event ids, partitions, timestamps.
    const storeLines = async () => {
      const out: { file: string; line: Line }[] = [];
      for (const file of listDir(store)) {
        if (!parseObject(file)) continue;
        for (const t of gunzipSync(readFileSync(file)).toString('utf8').split('\n').filter(Boolean)) {
          const line = { ...(JSON.parse(t) as Omit<Line, 'text'>), text: t };
          if (markersOf(line).size) out.push({ file, line });
        }
      }
      return out;
    };
    const mine = await waitFor(
      'the run archived',
      async () => {
        const l = await storeLines();
        return l.length >= N ? l : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    assert.equal(mine.length, N, 'each ingested event archived once');
    const eventIds = mine.map((m) => String((m.line.value as { event_id: string }).event_id));
    const keyFile = pipeline.env.ANONYMIZE_KEY_FILE as string;
    const keyed = [...keyedEventIds(eventIds, keyFile).keys()];
    const count = async () => {
      await pipeline.es.indices.refresh({ index: `${pipeline.indexPrefix}*`, ignore_unavailable: true });
      const r = await pipeline.es.search<{ lrstream?: { event_id?: string } }>({
        index: `${pipeline.indexPrefix}*`,
        size: 10_000,
        _source: ['lrstream.event_id'],
        version: true,
        query: { terms: { 'lrstream.event_id': keyed } },
      });
      return r.hits.hits;
    };
    const first = await waitFor(
      'the run indexed',
      async () => {
        const hits = await count();
        return new Set(hits.map((h) => h._source?.lrstream?.event_id)).size === N ? hits : undefined;
      },
      { timeoutMs: 40_000, intervalMs: 1000 },
    );
    await sleep(1500);
    const perEvent = (await count()).length;
    assert.ok(perEvent >= N && first.length >= N);

    // Private store: objects of identified data are not world-readable.
    for (const m of new Set(mine.map((x) => x.file)))
      assert.equal(
        statSync(m).mode & 0o004,
        0,
        `${m} is world-readable (mode ${(statSync(m).mode & 0o777).toString(8)})`,
      );

    const ts = mine.map((m) => Number(m.line.timestamp));
    const window = ['--from', hourArg(Math.min(...ts)), '--to', hourArg(Math.max(...ts) + 3_600_000)];
    const env = {
      ...process.env,
      ARCHIVE_STORE: 'dir',
      ARCHIVE_DIR: store,
      REPLAY_METRICS_PORT: String(await freePort()),
    };
    const dry = cli(['replay', 'archive', ...window, '--dry-run', '--json'], env);
    assert.equal(dry.status, 0, dry.stderr);
    const logs: string[] = [dry.stdout, dry.stderr];
    const versionsOf = async () => new Map((await count()).map((h) => [h._id, h._version ?? 0]));
    const v0 = await versionsOf();
    for (let round = 1; round <= 2; round += 1) {
      const r = cli(['replay', 'archive', ...window, '--json'], env);
      logs.push(r.stdout, r.stderr);
      assert.equal(r.status, 0, `replay ${round}: ${r.stderr}`);
      const summary = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as Record<string, number>;
      assert.ok((summary.reinjected ?? 0) >= N, `replay ${round} re-injected ${summary.reinjected}`);
      // Wait until the re-injected records reached ES (documents replaced: versions move), best effort.
      await waitFor(
        `replay ${round} indexed`,
        async () => {
          const v = await versionsOf();
          return [...v0.keys()].every((k) => (v.get(k) ?? 0) >= (v0.get(k) ?? 0) + round) ? true : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 1000 },
      ).catch(() => undefined);
      await sleep(1500);
      const hits = await count();
      assert.equal(
        hits.length,
        perEvent,
        `after replay ${round}: ${hits.length} documents, expected ${perEvent}`,
      );
    }

    // ingest file of one object gives the same events (same ids, payload bytes, receipt time).
    const oneFile = mine[0]!.file;
    const inObject = mine
      .filter((m) => m.file === oneFile)
      .map((m) => m.line.value as Record<string, unknown>);
    const starts = new Map([[RAW, await topicEnds(brokers, RAW)]]);
    const registry = new RegistryView(registryUrl);
    const seen: Record<string, unknown>[] = [];
    const reader = await readTopics(brokers, registry, starts, `atk-${run}-rawread`, (_t, _o, value) => {
      if (inObject.some((v) => v.event_id === value.event_id)) seen.push(value);
    });
    cleanups.push(() => reader.stop());
    const ing = cli(['ingest', 'file', oneFile], { ...process.env });
    logs.push(ing.stdout, ing.stderr);
    assert.equal(ing.status, 0, ing.stderr);
    await waitFor('re-ingested records', async () => (seen.length >= inObject.length ? true : undefined), {
      timeoutMs: 30_000,
    });
    await sleep(1000);
    assert.equal(seen.length, inObject.length, 'ingest file sent each archived record once');
    for (const v of inObject) {
      const back = seen.find((s) => s.event_id === v.event_id) as Record<string, unknown>;
      assert.equal(Number(back.received_at), Number(v.received_at));
      assert.equal(Buffer.from(back.payload as Buffer).toString('utf8'), String(v.payload));
      assert.equal(back.format, v.format);
    }
    await sleep(4000);
    assert.equal((await count()).length, perEvent, 'after ingest file: no doubled documents');

    await term(archive);
    assert.ok(!readFileSync(archiveLog, 'utf8').includes(MARK), 'archive log holds a payload');
    for (const l of logs)
      assert.ok(!l.includes(MARK), `replay/ingest output holds a payload: ${l.slice(0, 300)}`);
  });
});
