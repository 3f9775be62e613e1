// `lrstream replay dlq list|redrive`: what the dead-letter topics hold, and sending dead letters back
// to their stage once the stage is fixed (docs/replay.md ("Dead-letter redrive")).
import { parseArgs } from 'node:util';
import { createKafka, createSchemaCodec, parseBrokers } from '@lrstream/kafka';
import {
  createProgress,
  createReplayMetrics,
  listDeadLetters,
  parseTimeArgument,
  redriveDeadLetters,
  redriveExitCode,
  replayStage,
  REPLAY_STAGES,
  serveReplayMetrics,
  type DeadLetterFilter,
  type DeadLetterListing,
  type RedriveSummary,
} from '@lrstream/replay';
import { createLogger } from '@lrstream/runtime';
import { loadStackConfig, stackEnv } from '@lrstream/stack';

const STAGE_NAMES = REPLAY_STAGES.map((s) => s.stage).join(', ');

const FILTERS = `Filters (all optional, combined with AND):
  --stage S            the stage that dead-lettered (${STAGE_NAMES})
  --code C             an error code (repeat for several)
  --since T, --until T failed_at at or after / before T: ISO date, epoch ms, or ago (90m, 2h, 7d)
  --source-topic X     the topic the failing record was read from
  --pointer P          the error pointer is P or under P (/event matches /event/id)
  --event-id ID        only this event id (repeat for several)`;

const HELP = `Usage: lrstream replay dlq list [filters] [--samples N] [--json]
       lrstream replay dlq redrive --stage S [filters] [--max-attempts N] [--dry-run]
                                   [--wait [--group G] [--wait-timeout SECONDS]] [--log FILE] [--json]

list     counts of dead letters by stage, code and source topic, their redrive status, and N samples
         per code (code, pointer, source, failed_at; never the payload)
redrive  re-injects the original record of each selected dead letter into the stage's input topic
         (same partition, original key, value and headers, plus lrstream-redrive-* headers), with a
         ledger entry per dead letter in the same transaction; dead letters already in the ledger
         are skipped, records that already failed --max-attempts (default 3) redrives are parked.
         --dry-run: decide and report, write nothing.
         --wait: then wait until the stage's consumer group (--group, default the stage's own) has
         read past every redriven record and report which failed again, by code.

${FILTERS}

Exit status (redrive): 0 all selected dead letters redriven or already handled (and with --wait,
none failed again); 1 some were parked or unavailable, failed again, or --wait timed out;
2 bad usage. Uses KAFKA_BROKERS and SCHEMA_REGISTRY_URL (the local stack's when unset); serves
replay metrics on REPLAY_METRICS_PORT (default: the stack's replay port) while it runs.
`;

function usage(message: string): number {
  process.stderr.write(`lrstream replay dlq: ${message}\n\n${HELP}`);
  return 2;
}

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`${name} must be a positive integer, got "${value}"`);
  return n;
}

export async function replayDlqCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        stage: { type: 'string' },
        code: { type: 'string', multiple: true },
        since: { type: 'string' },
        until: { type: 'string' },
        'source-topic': { type: 'string' },
        pointer: { type: 'string' },
        'event-id': { type: 'string', multiple: true },
        samples: { type: 'string' },
        'max-attempts': { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        wait: { type: 'boolean', default: false },
        group: { type: 'string' },
        'wait-timeout': { type: 'string' },
        log: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    return usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  const action = positionals[0];
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (action !== 'list' && action !== 'redrive') return usage('say list or redrive');

  let filter: DeadLetterFilter;
  let samples: number;
  let maxAttempts: number;
  let waitTimeoutMs: number;
  try {
    if (values.stage !== undefined) replayStage(values.stage);
    const now = Date.now();
    filter = {
      ...(values.stage !== undefined ? { stage: values.stage } : {}),
      ...(values.code ? { codes: values.code } : {}),
      ...(values.since !== undefined ? { since: parseTimeArgument(values.since, now) } : {}),
      ...(values.until !== undefined ? { until: parseTimeArgument(values.until, now) } : {}),
      ...(values['source-topic'] !== undefined ? { sourceTopic: values['source-topic'] } : {}),
      ...(values.pointer !== undefined ? { pointer: values.pointer } : {}),
      ...(values['event-id'] ? { eventIds: new Set(values['event-id']) } : {}),
    };
    if (filter.since !== undefined && filter.until !== undefined && filter.since >= filter.until)
      throw new RangeError('--since must be before --until');
    // RFC 6901: a pointer is empty (the whole document) or starts with "/".
    if (filter.pointer !== undefined && filter.pointer !== '' && !filter.pointer.startsWith('/'))
      throw new RangeError(
        `--pointer takes a JSON pointer ("" or starting with "/"), got "${filter.pointer}"`,
      );
    samples = positiveInt(values.samples, '--samples', 3);
    maxAttempts = positiveInt(values['max-attempts'], '--max-attempts', 3);
    waitTimeoutMs = positiveInt(values['wait-timeout'], '--wait-timeout', 300) * 1000;
  } catch (err) {
    return usage((err as Error).message);
  }
  if (action === 'redrive' && values.stage === undefined) return usage('redrive needs --stage');

  const stack = loadStackConfig();
  const local = stackEnv(stack);
  const brokers = process.env.KAFKA_BROKERS || local.KAFKA_BROKERS;
  const registryUrl = process.env.SCHEMA_REGISTRY_URL || local.SCHEMA_REGISTRY_URL;
  const kafka = createKafka({ brokers: parseBrokers(brokers), clientId: `lrstream-replay-dlq-${action}` });
  const codec = createSchemaCodec({ url: registryUrl });

  if (action === 'list') {
    const listing = await listDeadLetters(kafka, codec, filter, { samplesPerCode: samples });
    process.stdout.write(values.json ? `${JSON.stringify(listing, null, 2)}\n` : formatListing(listing));
    return 0;
  }

  // Decision lines go to --log or stderr (stdout is the summary). On a terminal without --log, only
  // the decisions that need a person (parked, unavailable, failed again) are shown beside progress.
  const quietTerminal = values.log === undefined && Boolean(process.stderr.isTTY);
  const log = createLogger(
    { service: 'replay' },
    process.env.LOG_LEVEL ?? (quietTerminal ? 'warn' : 'info'),
    values.log ?? 2,
  );
  const metrics = createReplayMetrics();
  const port = Number(process.env.REPLAY_METRICS_PORT ?? stack.serviceMetricsPorts.replay);
  const server = await serveReplayMetrics(metrics, port);
  try {
    const stage = replayStage(values.stage as string);
    const summary = await redriveDeadLetters({
      kafka,
      codec,
      log,
      stage: stage.stage,
      filter,
      maxAttempts,
      dryRun: values['dry-run'],
      ...(values.wait
        ? { wait: { groupId: values.group ?? stage.defaultGroup, timeoutMs: waitTimeoutMs } }
        : {}),
      metrics,
      progress: (label, total) => createProgress({ label, ...(total !== undefined ? { total } : {}) }),
    });
    process.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
    return redriveExitCode(summary);
  } finally {
    await server?.close().catch(() => undefined);
    log.flush();
  }
}

const pad = (label: string) => `  ${label.padEnd(38)}`;

function formatListing(l: DeadLetterListing): string {
  const lines = [
    `dead letters in ${l.topics.join(', ')}: ${l.read} read, ${l.matched} match${l.undecodable ? `, ${l.undecodable} undecodable` : ''}`,
    '',
  ];
  const table = (title: string, counts: Record<string, number>) => {
    lines.push(title);
    for (const [k, n] of Object.entries(counts).sort((a, b) => b[1] - a[1])) lines.push(`${pad(k)}${n}`);
    lines.push('');
  };
  table('by stage', l.byStage);
  table('by stage and code', l.byCode);
  table('by source topic', l.bySourceTopic);
  table('by redrive status', l.byRedriveStatus);
  if (l.samples.length > 0) {
    lines.push('samples (no payload)');
    for (const s of l.samples)
      lines.push(
        `  ${s.stage} ${s.code}  pointer ${s.pointer === null ? '-' : s.pointer === '' ? '"" (root)' : s.pointer}  source ${s.source ?? '-'}  failed ${s.failedAt}  dead letter ${s.deadLetter}${s.redrive ? `  (${s.redrive})` : ''}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

function formatSummary(s: RedriveSummary): string {
  const seconds = s.elapsedMs / 1000;
  const lines = [
    `lrstream replay dlq redrive: stage ${s.stage}, redrive ${s.redriveId}${s.dryRun ? ' (dry run: nothing written)' : ''}`,
    '',
    `${pad(`dead letters read (${s.deadLetterTopic})`)}${s.read}`,
    `${pad('selected')}${s.selected}`,
    `${pad(s.dryRun ? 'would be redriven' : 'redriven')}${s.redriven}${s.redrivenFromPayload ? ` (${s.redrivenFromPayload} from the dead letter's payload)` : ''}${Object.keys(s.targets).length ? `  -> ${s.inputTopic} partitions ${Object.keys(s.targets).join(', ')}` : ''}`,
    `${pad('skipped (already in the ledger)')}${s.skipped.total}${
      s.skipped.total
        ? ` (${(['redriven', 'parked', 'unavailable', 'duplicate'] as const)
            .filter((k) => s.skipped[k] > 0)
            .map((k) => `${k} ${s.skipped[k]}`)
            .join(', ')})`
        : ''
    }`,
    `${pad('duplicate (source already redriven)')}${s.duplicate}`,
    `${pad('parked (attempt limit)')}${s.parked}`,
    `${pad('unavailable')}${s.unavailable}`,
  ];
  for (const [reason, n] of Object.entries(s.reasons)) lines.push(`    ${n} x ${reason}`);
  if (Object.keys(s.byCode).length > 0) {
    lines.push('', 'by code');
    for (const [code, counts] of Object.entries(s.byCode))
      lines.push(
        `${pad(code)}${Object.entries(counts)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')}`,
      );
  }
  if (s.failedAgain) {
    lines.push('');
    lines.push(
      s.caughtUp
        ? `waited ${((s.waitedMs ?? 0) / 1000).toFixed(1)} s: the stage read past every redriven record`
        : `waited ${((s.waitedMs ?? 0) / 1000).toFixed(1)} s: TIMED OUT before the stage read every redriven record`,
    );
    lines.push(`${pad('failed again')}${s.failedAgain.total}`);
    for (const [code, n] of Object.entries(s.failedAgain.byCode)) lines.push(`    ${n} x ${code}`);
  }
  lines.push(
    '',
    `${s.selected} dead letters handled in ${seconds.toFixed(1)} s (${seconds > 0 ? Math.round(s.selected / seconds) : s.selected} per second)`,
  );
  return `${lines.join('\n')}\n`;
}
