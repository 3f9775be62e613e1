// Replay's metrics: one family per thing, labelled by operation (rewind, redrive, reindex, archive).
// A replay command serves them while it runs (REPLAY_METRICS_PORT) and the stack's Prometheus
// scrapes that port, so the ops dashboard's replay row shows progress beside the stages' own lag.
import {
  Counter,
  Gauge,
  createMetricsRegistry,
  serveMetrics,
  type MetricsServer,
  type Registry,
} from '@lrstream/runtime';

export type ReplayOperation = 'rewind' | 'redrive' | 'reindex' | 'archive';

export interface ReplayMetrics {
  registry: Registry;
  /** Records handled, by outcome (e.g. redriven, parked, unavailable, reinjected, indexed). */
  records: Counter<'operation' | 'outcome'>;
  /** Records still to go (consumer lag of the replay's own group, or records left to re-read). */
  remaining: Gauge<'operation'>;
  /** 1 while a replay of that operation runs in this process. */
  running: Gauge<'operation'>;
}

export function createReplayMetrics(): ReplayMetrics {
  const registry = createMetricsRegistry({ service: 'replay' });
  return {
    registry,
    records: new Counter({
      name: 'lrstream_replay_records_total',
      help: 'Records handled by a replay command, by operation and outcome.',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
    }),
    remaining: new Gauge({
      name: 'lrstream_replay_remaining_records',
      help: 'Records a running replay still has to process (its lag).',
      labelNames: ['operation'],
      registers: [registry],
    }),
    running: new Gauge({
      name: 'lrstream_replay_running',
      help: '1 while a replay of this operation runs.',
      labelNames: ['operation'],
      registers: [registry],
    }),
  };
}

/**
 * Serves the replay metrics on `port` when it is free; a second replay running at the same time
 * keeps its metrics to itself (its terminal progress still shows them) rather than failing.
 */
export async function serveReplayMetrics(
  metrics: ReplayMetrics,
  port: number,
): Promise<MetricsServer | null> {
  try {
    return await serveMetrics(metrics.registry, { port });
  } catch {
    return null;
  }
}
