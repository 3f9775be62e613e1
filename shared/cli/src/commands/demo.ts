// `lrstream demo`: the main job on the embedded local stack. Starts the stack, the five services
// (each its own process), feeds a realistic generated sample through the ingest API, waits until
// every event is accounted for, prints a summary and the URLs, and keeps the pipeline running until
// Ctrl-C. With --once it stops everything it started and exits 0 only if every event was accounted for.
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import { down, loadStackConfig, stackEnv, up, type ServiceMetricsPorts } from '@lrstream/stack';
import { generateSample, type SampleItem } from '../demo/sample.js';
import { localServiceEnv } from '../local-env.js';
import { SERVICES, startServiceProcess, type ServiceName } from './run.js';

const say = (message: string) => process.stderr.write(`[demo] ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const HELP = `Usage: lrstream demo [--events N] [--once] [--seed N]

  --events N   events to generate and send (default 3000)
  --once       stop everything the demo started after the summary; exit 1 if any event is unaccounted for
  --seed N     sample seed (default: time based)
`;

/** Sum of a counter's samples in a Prometheus text exposition, optionally filtered by a label. */
function counter(text: string, name: string, label?: string): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(name) && (label === undefined || l.includes(label)))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

function byLabel(text: string, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{')) continue;
    const value = line.match(new RegExp(`${label}="([^"]*)"`))?.[1] ?? '?';
    out[value] = (out[value] ?? 0) + Number(line.split(' ').pop());
  }
  return out;
}

async function metricsOf(ports: ServiceMetricsPorts, service: ServiceName): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${ports[service]}/metrics`);
  return response.text();
}

async function waitReady(
  ports: ServiceMetricsPorts,
  services: readonly ServiceName[],
  children: Map<ServiceName, ChildProcess>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const service of services) {
    for (;;) {
      const child = children.get(service);
      if (child?.exitCode !== null && child?.exitCode !== undefined)
        throw new Error(`${service} exited during start-up (see .stack/logs/${service}.log)`);
      const ok = await fetch(`http://127.0.0.1:${ports[service]}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline)
        throw new Error(`${service} not ready in time (see .stack/logs/${service}.log)`);
      await sleep(300);
    }
  }
}

async function send(ingestUrl: string, auth: string, items: SampleItem[]): Promise<void> {
  const edx = items.filter((i) => i.format === 'edx');
  const xapi = items.filter((i) => i.format === 'xapi');
  for (let i = 0; i < edx.length; i += 500) {
    const body =
      edx
        .slice(i, i + 500)
        .map((e) => e.text)
        .join('\n') + '\n';
    const response = await fetch(`${ingestUrl}/edx/events`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/x-ndjson' },
      body,
    });
    if (response.status !== 200)
      throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
  }
  // Marsha sends one statement per request.
  await Promise.all(
    Array.from({ length: 8 }, async (_, worker) => {
      for (let i = worker; i < xapi.length; i += 8) {
        const response = await fetch(`${ingestUrl}/xAPI/statements`, {
          method: 'POST',
          headers: {
            authorization: auth,
            'content-type': 'application/json',
            'x-experience-api-version': '1.0.3',
          },
          body: xapi[i]?.text,
        });
        if (response.status !== 200)
          throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
      }
    }),
  );
}

interface Accounting {
  received: number;
  indexedEvents: number;
  statementsIndexed: number;
  deadLettered: Record<string, number>;
  filtered: Record<string, number>;
  settled: boolean;
}

/** Where every raw event ended, from the services' own counters (the demo started them: fresh counters). */
async function account(ports: ServiceMetricsPorts): Promise<Accounting> {
  const m = Object.fromEntries(
    await Promise.all(SERVICES.map(async (s) => [s, await metricsOf(ports, s)] as const)),
  ) as Record<ServiceName, string>;
  const deadLettered: Record<string, number> = {};
  const filtered: Record<string, number> = {};
  for (const s of ['validate', 'convert', 'anonymize', 'index'] as const) {
    for (const [code, n] of Object.entries(byLabel(m[s], `lrstream_${s}_events_dead_lettered_total`, 'code')))
      deadLettered[`${s}:${code}`] = n;
    for (const [rule, n] of Object.entries(byLabel(m[s], `lrstream_${s}_events_filtered_total`, 'rule')))
      filtered[`${s}:${rule}`] = n;
  }
  const received = counter(m.ingest, 'lrstream_ingest_events_accepted_total');
  const validated = counter(m.validate, 'lrstream_validate_events_consumed_total');
  const toConvert = counter(m.validate, 'lrstream_validate_events_produced_total', 'topic="edx.valid.v1"');
  const xapiDirect = counter(
    m.validate,
    'lrstream_validate_events_produced_total',
    'topic="xapi.identified.v1"',
  );
  const converted = counter(m.convert, 'lrstream_convert_events_consumed_total');
  const fromConvert = counter(m.convert, 'lrstream_convert_events_produced_total');
  const anonymized = counter(m.anonymize, 'lrstream_anonymize_events_consumed_total');
  const toIndex = counter(m.anonymize, 'lrstream_anonymize_events_produced_total');
  const indexedIn = counter(m.index, 'lrstream_index_events_consumed_total');
  const statementsIndexed = counter(m.index, 'lrstream_index_events_passed_total');
  // Events that reached Elasticsearch: xAPI input passed by validate, edX input passed by convert,
  // less what anonymize/index refused (one edX event may give several statements: counted once).
  const indexedEvents =
    xapiDirect +
    counter(m.convert, 'lrstream_convert_events_passed_total') -
    sum(deadLettered, 'anonymize:') -
    sum(deadLettered, 'index:') -
    sum(filtered, 'anonymize:') -
    sum(filtered, 'index:');
  const settled =
    received > 0 &&
    validated === received &&
    converted === toConvert &&
    anonymized === xapiDirect + fromConvert &&
    indexedIn === toIndex;
  return { received, indexedEvents, statementsIndexed, deadLettered, filtered, settled };
}

const sum = (record: Record<string, number>, prefix: string) =>
  Object.entries(record).reduce((s, [k, v]) => (k.startsWith(prefix) ? s + v : s), 0);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export async function demoCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      once: { type: 'boolean', default: false },
      events: { type: 'string', default: '3000' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const count = Number(values.events);
  if (!Number.isInteger(count) || count < 1) throw new Error('--events must be a positive integer');
  const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 1_000_000;

  const config = loadStackConfig();
  const stack = await up(config, (m) => say(m));
  const stackUrls = stackEnv(config);
  const { env, client } = await localServiceEnv({ ...process.env, ...stackUrls });
  const logs = join(config.stateDir, 'logs');
  mkdirSync(logs, { recursive: true });

  for (const s of SERVICES) {
    const busy = await fetch(`http://127.0.0.1:${config.serviceMetricsPorts[s]}/healthz`).then(
      () => true,
      () => false,
    );
    if (busy)
      throw new Error(
        `port ${config.serviceMetricsPorts[s]} (${s} metrics) is in use: is another pipeline running? Stop it first.`,
      );
  }
  say('Starting the five services (logs in .stack/logs/)...');
  const children = new Map<ServiceName, ChildProcess>();
  // Consumer groups of this demo run only, reading only what is sent from now on: whatever older
  // records the topics hold (earlier runs, tests) stays out of this run's accounting.
  const run = Date.now().toString(36);
  for (const s of SERVICES) {
    const child = startServiceProcess(
      s,
      {
        ...env,
        LOG_LEVEL: 'info',
        GROUP_ID: `demo-${run}-${s}`,
        START_FROM: 'latest',
        METRICS_PORT: String(config.serviceMetricsPorts[s]),
      },
      'pipe',
    );
    const log = createWriteStream(join(logs, `${s}.log`), { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    children.set(s, child);
  }
  const stopServices = async () => {
    await Promise.all(
      [...children.values()].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
          }),
      ),
    );
  };
  try {
    await waitReady(config.serviceMetricsPorts, SERVICES, children, 90_000);
    const ingestUrl = `http://127.0.0.1:${env.INGEST_PORT ?? 18100}`;
    const auth = `Basic ${Buffer.from(`${client.username}:${client.password}`).toString('base64')}`;
    const sample = generateSample({
      events: count,
      seed,
      badRatio: 0.02,
      start: Date.now() - 3 * 24 * 3_600_000,
    });
    say(`Sending ${sample.length} events (seed ${seed}): ${describe(sample)}...`);
    const begin = Date.now();
    await send(ingestUrl, auth, sample);
    const sentSeconds = (Date.now() - begin) / 1000;
    let result = await account(config.serviceMetricsPorts);
    const deadline = Date.now() + 180_000;
    while (!(result.settled && result.received >= sample.length) && Date.now() < deadline) {
      await sleep(500);
      result = await account(config.serviceMetricsPorts);
    }
    const seconds = (Date.now() - begin) / 1000;
    const latency = await latencies(stackUrls.ELASTICSEARCH_URL, begin, result.statementsIndexed);
    const deadTotal = Object.values(result.deadLettered).reduce((a, b) => a + b, 0);
    const filteredTotal = Object.values(result.filtered).reduce((a, b) => a + b, 0);
    const accounted = result.indexedEvents + deadTotal + filteredTotal;
    const ok = result.settled && result.received === sample.length && accounted === sample.length;
    const lines = [
      '',
      `lrstream demo — ${sample.length} events sent in ${sentSeconds.toFixed(1)} s, pipeline settled after ${seconds.toFixed(1)} s (${(sample.length / seconds).toFixed(0)} events/s end to end)`,
      '',
      `  events in (accepted by ingest)   ${result.received}`,
      `  indexed (events)                 ${result.indexedEvents}   -> ${result.statementsIndexed} xAPI statements in Elasticsearch`,
      `  dead-lettered                    ${deadTotal}${fmt(result.deadLettered)}`,
      `  filtered                         ${filteredTotal}${fmt(result.filtered)}`,
      `  accounted for                    ${accounted} of ${sample.length} ${ok ? '(all)' : '(NOT ALL)'}`,
      `  end-to-end latency (receipt -> indexed)  p50 ${latency.p50} s, p95 ${latency.p95} s, max ${latency.max} s (${latency.n} statements)`,
      '',
      'Where things are:',
      `  ingest (xAPI + edX)   ${ingestUrl}/xAPI/statements, ${ingestUrl}/edx/events  (user "${client.username}", password in .stack/secrets/ingest-demo.password)`,
      `  service metrics       ${SERVICES.map((s) => `${s} :${config.serviceMetricsPorts[s]}`).join(', ')}  (/metrics, /healthz, /readyz)`,
      `  Prometheus            ${stackUrls.PROMETHEUS_URL}`,
      `  Elasticsearch         ${stackUrls.ELASTICSEARCH_URL}/lrstream-xapi/_search`,
      `  Kafka                 ${stackUrls.KAFKA_BROKERS}    schema registry ${stackUrls.SCHEMA_REGISTRY_URL}`,
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
    if (values.once) {
      await stopServices();
      if (stack.started.length > 0) await down(config, (m) => say(m));
      return ok ? 0 : 1;
    }
    say('The pipeline keeps running: Ctrl-C stops the services ("npx lrstream stack down" stops the stack).');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await stopServices();
    return ok ? 0 : 1;
  } catch (err) {
    await stopServices();
    throw err;
  }
}

function describe(sample: SampleItem[]): string {
  const families: Record<string, number> = {};
  for (const item of sample) families[item.family] = (families[item.family] ?? 0) + 1;
  return Object.entries(families)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

function fmt(record: Record<string, number>): string {
  const entries = Object.entries(record).filter(([, v]) => v > 0);
  return entries.length === 0 ? '' : `   (${entries.map(([k, v]) => `${k} ${v}`).join(', ')})`;
}

/** Receipt-to-index latency of the statements indexed since `since`, from the documents themselves. */
async function latencies(
  esUrl: string,
  since: number,
  expected: number,
): Promise<{ p50: string; p95: string; max: string; n: number }> {
  let hits: LatencyHit[] = [];
  // Acknowledged is not yet searchable: refresh, and wait (briefly) until every statement shows.
  for (let attempt = 0; attempt < 20; attempt += 1) {
    await fetch(`${esUrl}/lrstream-xapi/_refresh`, { method: 'POST' });
    hits = await searchSince(esUrl, since);
    if (hits.length >= Math.min(expected, 10_000)) break;
    await sleep(500);
  }
  const values = hits
    .map(
      (h) => (Date.parse(h._source.lrstream.indexed_at) - Date.parse(h._source.lrstream.received_at)) / 1000,
    )
    .filter((v) => Number.isFinite(v))
    .sort((a, b) => a - b);
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '-');
  return {
    p50: f(percentile(values, 50)),
    p95: f(percentile(values, 95)),
    max: f(values[values.length - 1] ?? NaN),
    n: values.length,
  };
}

type LatencyHit = { _source: { lrstream: { received_at: string; indexed_at: string } } };

async function searchSince(esUrl: string, since: number): Promise<LatencyHit[]> {
  const response = await fetch(`${esUrl}/lrstream-xapi/_search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      size: 10_000,
      _source: ['lrstream.received_at', 'lrstream.indexed_at'],
      query: { range: { 'lrstream.received_at': { gte: new Date(since).toISOString() } } },
    }),
  });
  const body = (await response.json()) as { hits?: { hits: LatencyHit[] } };
  return body.hits?.hits ?? [];
}
