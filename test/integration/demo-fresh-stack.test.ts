// The start-up race (issue "Delivery guarantees that hold under faults", point 3): `lrstream demo
// --once` on a freshly wiped stack failed 5 of 9 tries (services exiting on "Compatibility does not
// match the configuration (BACKWARD != NONE)" or "A rule named 'COMPATIBILITY' already exists").
// Five times in a row: `stack down --wipe`, then `demo --once --events 300`; each must exit 0.
//
// The stack is private (own state folder, every stack port free and chosen here): the shared stack
// is never stopped or wiped; its services' metrics ports are free ones too
// (LRSTREAM_SERVICE_METRICS_PORT_BASE).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, freePort } from '@lrstream/test';

const ITERATIONS = 5;
const EVENTS = 300;
const DEMO_TIMEOUT_MS = 240_000;

const dir = mkdtempSync(join(tmpdir(), 'lrstream-demo-fresh-'));
// Elasticsearch runs as its own system user when we are root: it must reach the state folder.
chmodSync(dir, 0o755);

interface Outcome {
  code: number | null;
  seconds: number;
  output: string;
}

/** Runs the CLI in its own process group (a timeout stops the demo and the services it started). */
function cli(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Outcome> {
  const begin = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['shared/cli/bin/lrstream.js', ...args], {
      cwd: REPO_ROOT,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      output += `\n[test] timed out after ${timeoutMs} ms: stopping the process group\n`;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // gone already
      }
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, seconds: (Date.now() - begin) / 1000, output });
    });
  });
}

/** The first of `count` consecutive free ports (from a random start in 20000-29999). */
async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 20000 + Math.floor(Math.random() * 9990);
    let free = true;
    for (let p = base; p < base + count && free; p += 1) free = !(await portBusy(p));
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports`);
}

async function portBusy(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

/** A service's fatal start-up message: the last log line that is not a pino JSON record. */
function lastPlainLine(text: string): string {
  const plain = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'));
  return plain[plain.length - 1] ?? '';
}

let stackEnv: NodeJS.ProcessEnv | undefined;

after(async () => {
  if (stackEnv) await cli(['stack', 'down', '--wipe'], stackEnv, 120_000);
  rmSync(dir, { recursive: true, force: true });
});

test(
  `demo --once on a wiped stack succeeds ${ITERATIONS} times in a row`,
  { timeout: ITERATIONS * DEMO_TIMEOUT_MS + 180_000 },
  async (t) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    // The demo takes the stack's addresses from its own config; nothing of the caller's may leak in.
    for (const name of [
      'KAFKA_BROKERS',
      'SCHEMA_REGISTRY_URL',
      'ELASTICSEARCH_URL',
      'PROMETHEUS_URL',
      'METRICS_PORT',
      'GROUP_ID',
      'INDEX_PREFIX',
      'LRSTREAM_REGISTRY_STORAGE',
    ])
      delete env[name];
    stackEnv = {
      ...env,
      LRSTREAM_STACK_DIR: join(dir, 'stack'),
      LRSTREAM_KAFKA_PORT: String(await freePort()),
      LRSTREAM_KAFKA_CONTROLLER_PORT: String(await freePort()),
      LRSTREAM_REGISTRY_PORT: String(await freePort(true)), // management on port + 1
      LRSTREAM_ELASTICSEARCH_PORT: String(await freePort()),
      LRSTREAM_ELASTICSEARCH_TRANSPORT_PORT: String(await freePort()),
      LRSTREAM_PROMETHEUS_PORT: String(await freePort()),
      LRSTREAM_S3_PORT: String(await freePort()),
      INGEST_PORT: String(await freePort()),
      // Ten consecutive free ports for the services' metrics (a demo beside another pipeline).
      LRSTREAM_SERVICE_METRICS_PORT_BASE: String(await freePortRange(10)),
    };

    const results: string[] = [];
    const begin = Date.now();
    for (let i = 1; i <= ITERATIONS; i += 1) {
      const wipe = await cli(['stack', 'down', '--wipe'], stackEnv, 120_000);
      assert.equal(wipe.code, 0, `stack down --wipe: ${wipe.output}`);
      const demo = await cli(['demo', '--once', '--events', String(EVENTS)], stackEnv, DEMO_TIMEOUT_MS);
      const why =
        demo.code === 0
          ? (demo.output.match(/accounted for .*/)?.[0] ?? '')
          : demo.output
              .split('\n')
              .filter((l) => /error|exited|not ready|NOT ALL|timed out|failed/i.test(l))
              .slice(0, 3)
              .join(' | ');
      // The service's own last words, before the next wipe deletes its log.
      const service = demo.output.match(/(\w+) exited during start-up/)?.[1];
      const log = service ? join(dir, 'stack', 'logs', `${service}.log`) : '';
      const cause = log && existsSync(log) ? lastPlainLine(readFileSync(log, 'utf8')) : '';
      results.push(
        `run ${i}: exit ${demo.code} in ${demo.seconds.toFixed(0)} s ${why} ${cause}`.slice(0, 700),
      );
      t.diagnostic(results[results.length - 1] as string);
    }
    t.diagnostic(`${ITERATIONS} iterations in ${((Date.now() - begin) / 1000).toFixed(0)} s`);
    const failed = results.filter((r) => !/exit 0 /.test(r));
    assert.deepEqual(failed, [], `${failed.length} of ${ITERATIONS} demo runs failed on a wiped stack`);
  },
);
