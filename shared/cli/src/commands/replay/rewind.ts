// `lrstream replay rewind`: the command line of shared/replay's rewind (docs/replay.md, "Rewind").
import { parseArgs } from 'node:util';
import { createKafka, createSchemaCodec, parseBrokers } from '@lrstream/kafka';
import {
  createProgress,
  createReplayMetrics,
  formatPlan,
  parseDuration,
  parseInstant,
  replayStage,
  runRewind,
  serveReplayMetrics,
  REPLAY_STAGES,
  type RewindTarget,
} from '@lrstream/replay';
import { createLogger } from '@lrstream/runtime';
import { loadStackConfig, stackEnv } from '@lrstream/stack';

const HELP = `Usage: lrstream replay rewind --stage STAGE TARGET [options]

Moves the stage's consumer group back so it reads records again. Document ids are deterministic:
records read again replace their Elasticsearch documents, they are not added twice.

STAGE: ${REPLAY_STAGES.map((s) => s.stage).join(', ')}
TARGET (one):
  --to-earliest             the oldest record the input topic still holds
  --to-time TIME            the first record at or after TIME (ISO 8601 with zone, or epoch ms)
  --to-offset N | P:N,...   an offset on every selected partition, or per partition
  --to-dead-letter CODE     per partition, the first record the stage dead-lettered with CODE
    [--dead-letter-since TIME]  only dead letters written at or after TIME (e.g. a bad deploy's)
Options:
  --group ID                the stage's consumer group (default: the stage's default, e.g. "convert")
  --partition P             only this partition (repeatable)
  --dry-run                 print the plan (current and target offsets, records to re-read) and stop
  --coordinate              if the group has running members: pause them, move, resume
  --lease DURATION          pause deadline: instances resume by themselves after it (default 5m)
  --allow-skip              accept a forward move (records the group has not read are skipped for good)
  --wait                    after the move, follow the group until it has read again
  --wait-timeout DURATION   give up waiting after this long (default 10m; exit status 1)
  --json                    the outcome as JSON on standard output

Exit status: 0 done (or dry run, or nothing to do), 1 failed, 2 usage, 3 refused.
`;

export async function replayRewindCommand(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        stage: { type: 'string' },
        group: { type: 'string' },
        'to-earliest': { type: 'boolean', default: false },
        'to-time': { type: 'string' },
        'to-offset': { type: 'string' },
        'to-dead-letter': { type: 'string' },
        'dead-letter-since': { type: 'string' },
        partition: { type: 'string', multiple: true },
        'dry-run': { type: 'boolean', default: false },
        coordinate: { type: 'boolean', default: false },
        lease: { type: 'string', default: '5m' },
        'allow-skip': { type: 'boolean', default: false },
        wait: { type: 'boolean', default: false },
        'wait-timeout': { type: 'string', default: '10m' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`lrstream replay rewind: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const usage = (message: string) => {
    process.stderr.write(`lrstream replay rewind: ${message}\n\n${HELP}`);
    return 2;
  };
  if (!values.stage) return usage('--stage is required');
  let stage;
  let target: RewindTarget;
  let offsetsByPartition: Map<number, bigint> | undefined;
  let leaseMs: number;
  let waitMs: number | null = null;
  const partitions = values.partition?.map(Number);
  try {
    stage = replayStage(values.stage);
    const chosen = [
      values['to-earliest'],
      values['to-time'],
      values['to-offset'],
      values['to-dead-letter'],
    ].filter((v) => v !== undefined && v !== false);
    if (chosen.length !== 1)
      return usage('give exactly one target (--to-earliest, --to-time, --to-offset, --to-dead-letter)');
    if (values['to-earliest']) target = { kind: 'earliest' };
    else if (values['to-time']) target = { kind: 'time', at: parseInstant(values['to-time']) };
    else if (values['to-dead-letter'])
      target = {
        kind: 'dead-letter',
        code: values['to-dead-letter'],
        ...(values['dead-letter-since'] ? { since: parseInstant(values['dead-letter-since']) } : {}),
      };
    else {
      const text = values['to-offset'] as string;
      if (/^\d+$/.test(text)) target = { kind: 'offset', offset: BigInt(text) };
      else {
        offsetsByPartition = new Map();
        for (const pair of text.split(',')) {
          const m = /^(\d+):(\d+)$/.exec(pair.trim());
          if (!m) return usage(`--to-offset takes N or P:N,P:N; got "${text}"`);
          offsetsByPartition.set(Number(m[1]), BigInt(m[2] as string));
        }
        target = { kind: 'offset', offset: -1n };
      }
    }
    if (partitions?.some((p) => !Number.isInteger(p) || p < 0))
      return usage('--partition takes a partition number');
    leaseMs = parseDuration(values.lease);
    if (leaseMs < 15_000) return usage('--lease must be at least 15s');
    if (values.wait) waitMs = parseDuration(values['wait-timeout']);
  } catch (err) {
    return usage((err as Error).message);
  }
  // With per-partition offsets and no --partition, only the named partitions move.
  const only = partitions ?? (offsetsByPartition ? [...offsetsByPartition.keys()] : undefined);

  const config = loadStackConfig();
  const local = stackEnv(config);
  const brokers = process.env.KAFKA_BROKERS || local.KAFKA_BROKERS;
  const registryUrl = process.env.SCHEMA_REGISTRY_URL || local.SCHEMA_REGISTRY_URL;
  const log = createLogger({ service: 'replay' }, process.env.LOG_LEVEL ?? 'info', { toStderr: true });
  const kafka = createKafka({ brokers: parseBrokers(brokers), clientId: 'lrstream-replay' });
  const codec = createSchemaCodec({ url: registryUrl });
  const metrics = createReplayMetrics();
  const port = Number(process.env.REPLAY_METRICS_PORT ?? config.serviceMetricsPorts.replay);
  const server = await serveReplayMetrics(metrics, port);
  try {
    const outcome = await runRewind(
      {
        kafka,
        codec,
        log,
        metrics,
        progress: (total) => createProgress({ label: `rewind ${stage.stage}`, total }),
      },
      {
        stage,
        groupId: values.group ?? stage.defaultGroup,
        target,
        offsetsByPartition,
        partitions: only ? new Set(only) : undefined,
        dryRun: values['dry-run'],
        coordinate: values.coordinate,
        allowSkip: values['allow-skip'],
        leaseMs,
        waitMs,
      },
    );
    if (values.json) {
      process.stdout.write(
        JSON.stringify(
          outcome,
          (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
          2,
        ) + '\n',
      );
    } else {
      process.stdout.write(formatPlan(outcome.plan));
      process.stdout.write(`${outcome.status}${outcome.reason ? `: ${outcome.reason}` : ''}\n`);
      if (outcome.caughtUp)
        process.stdout.write(
          `read again: ${outcome.caughtUp.records} records in ${outcome.caughtUp.seconds.toFixed(1)} s (${outcome.caughtUp.recordsPerSecond.toFixed(0)} records/s)\n`,
        );
    }
    return outcome.status === 'refused' ? 3 : 0;
  } catch (err) {
    process.stderr.write(`lrstream replay rewind: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await server?.close();
  }
}
