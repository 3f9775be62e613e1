// The one module that knows kafkajs exists (it is in maintenance mode: swapping the client must stay
// a change to this package only). Everything else talks to Kafka through the functions exported here.
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { classifyError, type Logger } from '@lrstream/runtime';

export type { Kafka };

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  log?: Logger;
  /** How long to keep retrying a connection before an operation fails (ms). */
  connectionTimeout?: number;
}

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

// Warnings about choices made on purpose: limited producer retries (duplicates are harmless here,
// statement ids are deterministic and Elasticsearch writes are idempotent) and the v2 partitioner.
const KNOWN_NOISE = [
  'Limiting retries for the idempotent producer',
  'KafkaJS v2.0.0 switched default partitioner',
];

export function createKafka(options: KafkaOptions): Kafka {
  const log = options.log;
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeout ?? 3000,
    logLevel: log ? logLevel.WARN : logLevel.NOTHING,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        if (!log) return;
        const { message, ...rest } = entry;
        if (KNOWN_NOISE.some((prefix) => String(message).startsWith(prefix))) return;
        log[levels[level] ?? 'info']({ kafka: rest }, String(message));
      },
    retry: { retries: 5, initialRetryTime: 200 },
  });
}

/** Parses `host:port,host:port` as used in KAFKA_BROKERS. */
export function parseBrokers(value: string): string[] {
  return value
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
}

/** Number of brokers answering, or throws: the stack's health check and tests use it. */
export async function describeCluster(
  brokers: string[],
): Promise<{ brokers: number; controller: number | null }> {
  const admin = createKafka({ brokers, clientId: 'lrstream-health', connectionTimeout: 1000 }).admin({
    retry: { retries: 0 },
  });
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    return { brokers: cluster.brokers.length, controller: cluster.controller };
  } finally {
    await admin.disconnect();
  }
}

/** Whether trying again may succeed (Kafka, registry or network trouble): see classifyError. */
export function isTransient(err: unknown): boolean {
  return classifyError(err).retryable;
}
