// `lrstream replay reindex`: blue/green reindex of the anonymized store (docs/replay.md, "Blue/green reindex",
// ADR 0002). Argument parsing and printing only; the operations are in @lrstream/replay.
import { parseArgs } from 'node:util';
import { Client } from '@elastic/elasticsearch';
import { parseBrokers } from '@lrstream/kafka';
import {
  ReindexRefused,
  createReplayMetrics,
  dropGeneration,
  openGroupAdmin,
  reconcile,
  reindexStatus,
  runReindex,
  swapGeneration,
  type ReindexContext,
  type ReindexStatus,
} from '@lrstream/replay';
import { createLogger } from '@lrstream/runtime';
import { loadStackConfig, stackEnv } from '@lrstream/stack';

const HELP = `Usage: lrstream replay reindex <start|swap|status|drop-old|reconcile> [options]

Builds a new generation of the anonymized Elasticsearch indices beside the one the read alias
serves, then moves the alias to it atomically (docs/replay.md, "Blue/green reindex").

  start --generation N   run an index stage (consumer group index-gN) writing <alias>-gN-YYYY.MM
                         from the oldest retained record of xapi.anonymized.v1; progress and ETA on
                         stderr; keeps writing generation N until stopped (Ctrl-C: safe, it
                         resumes from its commits)
  swap --generation N    when N's group has caught up and N holds at least as many documents as
                         the served generation: move the read alias in one atomic request
  status                 generations, documents, which one serves, each group's lag and members
  drop-old               delete the generation the last swap left (never one behind the alias)
  reconcile              make the alias and templates agree with the serving generation again

Options:
      --alias <name>         read alias (the index service's INDEX_PREFIX; default lrstream-xapi)
      --generation <N>       generation to build / swap to / drop (drop-old: default the previous)
      --group <id>           consumer group writing generation N (default index-gN)
      --from anonymized      source (the only one supported; raw: see docs/replay.md)
      --since <time>         start: a new group begins at this record time (ISO 8601 or epoch ms)
      --swap                 start: swap as soon as caught up
      --exit-when-caught-up  start: stop once caught up (and swapped, with --swap)
      --allow-fewer          swap even when the new generation holds fewer documents
      --wait <seconds>       swap: how long to wait for catch-up and counts (default 60)
      --max-behind <seconds> caught up = the group has indexed everything written up to this
                             long ago (default 5; a busy live topic is never at lag 0)
      --force                drop-old: even if the old generation's group still has members
      --metrics-port <port>  replay metrics (default: the stack's replay port, 19107)
      --json                 machine-readable result (and start's events) on stdout
  -h, --help

Exit codes: 0 done, 1 refused or failed (nothing changed on refusal), 2 usage error.
`;

const SUBCOMMANDS = ['start', 'swap', 'status', 'drop-old', 'reconcile'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

function usage(message: string): number {
  process.stderr.write(`lrstream replay reindex: ${message}\n\n${HELP}`);
  return 2;
}

function parseTime(value: string): number | undefined {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

export async function replayReindexCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        alias: { type: 'string', default: 'lrstream-xapi' },
        generation: { type: 'string' },
        group: { type: 'string' },
        from: { type: 'string', default: 'anonymized' },
        since: { type: 'string' },
        swap: { type: 'boolean', default: false },
        'exit-when-caught-up': { type: 'boolean', default: false },
        'allow-fewer': { type: 'boolean', default: false },
        wait: { type: 'string', default: '60' },
        'max-behind': { type: 'string', default: '5' },
        force: { type: 'boolean', default: false },
        'drop-old': { type: 'boolean', default: false },
        'metrics-port': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    return usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const name = values['drop-old'] && positionals.length === 0 ? 'drop-old' : positionals[0];
  if (!SUBCOMMANDS.includes(name as Subcommand) || positionals.length > 1)
    return usage(`one of ${SUBCOMMANDS.join(', ')} (or --drop-old) is required`);
  const sub = name as Subcommand;
  if (values.from !== 'anonymized')
    return usage(
      values.from === 'raw'
        ? '--from raw is not supported: the stages would write into the live topics (docs/replay.md, "Blue/green reindex", "From raw")'
        : `--from must be "anonymized", got "${values.from}"`,
    );
  // Number('') is 0: an empty value must not quietly mean generation 0.
  const generation =
    values.generation === undefined
      ? undefined
      : values.generation.trim() === ''
        ? NaN
        : Number(values.generation);
  if (generation !== undefined && (!Number.isInteger(generation) || generation < 0 || generation > 9999))
    return usage(`--generation must be an integer 0-9999, got "${values.generation}"`);
  if ((sub === 'start' || sub === 'swap') && generation === undefined)
    return usage(`${sub} needs --generation N`);
  const since = values.since === undefined ? undefined : parseTime(values.since);
  if (values.since !== undefined && since === undefined)
    return usage(`--since: not a time: "${values.since}"`);
  const waitSeconds = Number(values.wait);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) return usage('--wait must be a number of seconds');
  const maxBehindMs = Number(values['max-behind']) * 1000;
  if (!Number.isFinite(maxBehindMs) || maxBehindMs < 0)
    return usage('--max-behind must be a number of seconds');

  const stack = loadStackConfig(process.env);
  const env: NodeJS.ProcessEnv = { ...stackEnv(stack), ...process.env };
  const metricsPort = Number(
    values['metrics-port'] ?? env.REPLAY_METRICS_PORT ?? stack.serviceMetricsPorts.replay,
  );
  if (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535)
    return usage('--metrics-port must be a TCP port');
  const log = createLogger({ service: 'replay' }, env.LOG_LEVEL ?? 'info', { toStderr: true });
  const es = new Client({ node: env.ELASTICSEARCH_URL as string });
  const admin = openGroupAdmin(parseBrokers(env.KAFKA_BROKERS as string), 'lrstream-replay-reindex');
  const ctx: ReindexContext = { es, admin, alias: values.alias, log };
  const print = (result: unknown, human: string) =>
    values.json ? process.stdout.write(JSON.stringify(result) + '\n') : process.stderr.write(human + '\n');
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    switch (sub) {
      case 'start': {
        const n = generation as number;
        const result = await runReindex(ctx, {
          generation: n,
          group: values.group ?? `index-g${n}`,
          ...(since !== undefined ? { since } : {}),
          swap: values.swap,
          allowFewer: values['allow-fewer'],
          swapWaitMs: waitSeconds * 1000,
          maxBehindMs,
          exitWhenCaughtUp: values['exit-when-caught-up'],
          env: { ...env, METRICS_PORT: '0', LOG_LEVEL: env.LOG_LEVEL ?? 'warn' },
          metrics: createReplayMetrics(),
          metricsPort,
          pollMs: 500,
          signal: controller.signal,
          emit: (event) => {
            if (values.json) process.stdout.write(JSON.stringify(event) + '\n');
          },
        });
        print(
          { event: 'result', ...result },
          `reindex ${values.alias} generation ${n}: ${result.records} records in ${result.seconds.toFixed(1)} s` +
            (result.catchUp
              ? `, caught up at ${result.catchUp.recordsPerSecond} records/s`
              : ', not caught up') +
            (result.swap ? `; read alias swapped ${result.swap.from ?? 'none'} -> ${result.swap.to}` : '') +
            (result.swapRefused ? `; swap refused: ${result.swapRefused.message}` : ''),
        );
        return result.swapRefused ? 1 : 0;
      }
      case 'swap': {
        const result = await swapGeneration(ctx, {
          to: generation as number,
          ...(values.group ? { group: values.group } : {}),
          allowFewer: values['allow-fewer'],
          waitMs: waitSeconds * 1000,
          maxBehindMs,
        });
        print(
          result,
          `${result.alias}: generation ${result.from ?? 'none'} -> ${result.to} ` +
            `(${result.documents.from} -> ${result.documents.to} documents, ${result.aliasActions} alias actions in one request, ${result.reconciled} reconciled)`,
        );
        return 0;
      }
      case 'status': {
        const status = await reindexStatus(ctx);
        print(status, formatStatus(status));
        return 0;
      }
      case 'drop-old': {
        const result = await dropGeneration(ctx, {
          ...(generation !== undefined ? { generation } : {}),
          force: values.force,
        });
        print(
          result,
          `deleted generation ${result.generation}: ${result.indices.length} indices, templates ${result.templates.join(', ') || 'none'}`,
        );
        return 0;
      }
      case 'reconcile': {
        const result = await reconcile(ctx);
        print(
          result,
          `${values.alias}: generation ${result.generation} serves; ${result.actions} alias actions applied`,
        );
        return 0;
      }
    }
  } catch (err) {
    if (err instanceof ReindexRefused) {
      if (values.json)
        process.stdout.write(JSON.stringify({ refused: err.code, message: err.message }) + '\n');
      process.stderr.write(`lrstream replay reindex ${sub}: refused (${err.code}): ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`lrstream replay reindex ${sub}: ${(err as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await admin.close().catch(() => undefined);
    await es.close().catch(() => undefined);
  }
}

function formatStatus(status: ReindexStatus): string {
  const s = status.serving;
  const head =
    s.kind === 'one'
      ? `${status.alias} -> generation ${s.generation}`
      : s.kind === 'none'
        ? `${status.alias} -> no generation`
        : `${status.alias} -> MIXED generations ${s.generations.join(', ')} (run reconcile or swap)`;
  const lines = status.generations.map(
    (g) =>
      `  g${g.generation}${g.serving ? ' (serving)' : ''}: ${g.indices.length} indices, ${g.documents} documents, ` +
      `template ${g.templateAttachesAlias === null ? 'missing' : g.templateAttachesAlias ? 'attaches the alias' : 'does not attach the alias'}, ` +
      `group ${g.group}: ${g.members} member(s), lag ${g.lag}`,
  );
  return [head + (status.previous !== null ? ` (previous: ${status.previous})` : ''), ...lines].join('\n');
}
