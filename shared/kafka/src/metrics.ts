// Metrics every pipeline stage exposes, named lrstream_<stage>_<what>_<unit>.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface StageMetrics {
  consumed: Counter<string>;
  /** Inputs that went on (gave one or more outputs, or were delivered to the sink). */
  passed: Counter<string>;
  produced: Counter<'topic'>;
  deadLettered: Counter<'code'>;
  filtered: Counter<'rule'>;
  retries: Counter<'code'>;
  /** Records `process` threw on (not retryable): dead-lettered one by one. */
  processingErrors: Counter<string>;
  commitFailures: Counter<string>;
  /** 1 while a partition is paused because its retry budget was spent, by the last error code. */
  stalledPartitions: Gauge<'topic' | 'partition' | 'code'>;
  /** 1 while the stage's consumer has left its group on an operator's command (replay rewind). */
  pausedByOperator: Gauge<string>;
  processingSeconds: Histogram<string>;
  batchSize: Histogram<string>;
  lag: Gauge<'topic' | 'partition'>;
}

export function createStageMetrics(stage: string, registry: Registry): StageMetrics {
  const p = `lrstream_${stage}`;
  const registers = [registry];
  return {
    consumed: new Counter({
      name: `${p}_events_consumed_total`,
      help: 'Input records read from Kafka.',
      registers,
    }),
    passed: new Counter({
      name: `${p}_events_passed_total`,
      help: 'Input records passed on (consumed = passed + dead-lettered + filtered).',
      registers,
    }),
    produced: new Counter({
      name: `${p}_events_produced_total`,
      help: 'Records written (acknowledged by Kafka or the sink), by destination.',
      labelNames: ['topic'],
      registers,
    }),
    deadLettered: new Counter({
      name: `${p}_events_dead_lettered_total`,
      help: 'Input records sent to the dead-letter topic, by error code.',
      labelNames: ['code'],
      registers,
    }),
    filtered: new Counter({
      name: `${p}_events_filtered_total`,
      help: 'Input records deliberately not passed on, by rule.',
      labelNames: ['rule'],
      registers,
    }),
    retries: new Counter({
      name: `${p}_retries_total`,
      help: 'Batches retried after a retryable failure, by error code.',
      labelNames: ['code'],
      registers,
    }),
    processingErrors: new Counter({
      name: `${p}_processing_errors_total`,
      help: 'Records the stage code failed on (not retryable); each was dead-lettered.',
      registers,
    }),
    commitFailures: new Counter({
      name: `${p}_offset_commit_failures_total`,
      help: 'Offset commits that failed after the outputs were acknowledged (records may be read again).',
      registers,
    }),
    stalledPartitions: new Gauge({
      name: `${p}_partition_stalled`,
      help: '1 while a partition is paused: its retry budget was spent on the error code shown.',
      labelNames: ['topic', 'partition', 'code'],
      registers,
    }),
    pausedByOperator: new Gauge({
      name: `${p}_paused_by_operator`,
      help: "1 while the consumer has left its group on an operator's pause (lrstream replay rewind --coordinate).",
      registers,
    }),
    processingSeconds: new Histogram({
      name: `${p}_batch_processing_seconds`,
      help: 'Time to process one batch, from fetch to committed offsets.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    batchSize: new Histogram({
      name: `${p}_batch_size_events`,
      help: 'Records per batch.',
      buckets: [1, 5, 10, 50, 100, 250, 500, 1000, 5000],
      registers,
    }),
    lag: new Gauge({
      name: `${p}_consumer_lag_messages`,
      help: 'High watermark minus the last processed offset, per partition.',
      labelNames: ['topic', 'partition'],
      registers,
    }),
  };
}
