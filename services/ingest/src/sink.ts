// Writing a request's raw records to Kafka. Resolves only once every record is acknowledged
// (acks=all, idempotent producer); when Kafka is unavailable the caller answers 503 + Retry-After
// and the client retries. Records of a failed request may already be stored: delivery is
// at-least-once, and statement ids make the duplicates harmless downstream.
import { isTransient, type RecordProducer } from '@lrstream/kafka';
import { IngestHttpError } from './errors.js';
import type { RawRecord } from './raw-record.js';

export type RawProducer = Pick<RecordProducer, 'send'>;

export interface SinkOptions {
  /** Payload bytes per produce request: kept under the broker's message.max.bytes per batch. */
  maxBatchBytes: number;
  /** A send not acknowledged in this time counts as Kafka being unavailable. */
  sendTimeoutMs: number;
  retryAfterSeconds: number;
}

export function chunkRecords(records: RawRecord[], maxBatchBytes: number): RawRecord[][] {
  const chunks: RawRecord[][] = [];
  let current: RawRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = record.value.payload.length;
    if (current.length > 0 && bytes + size > maxBatchBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

class SendTimeoutError extends Error {
  override readonly name = 'SendTimeoutError';
  readonly retriable = true;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SendTimeoutError(`no acknowledgement within ${ms} ms`)), ms);
  });
  // The send may still settle after the timeout: its outcome no longer matters to this request.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const KAFKA_UNAVAILABLE = 'LRS_ERR_KAFKA_UNAVAILABLE';

export async function writeRaw(
  producer: RawProducer,
  records: RawRecord[],
  options: SinkOptions,
): Promise<void> {
  try {
    for (const chunk of chunkRecords(records, options.maxBatchBytes))
      await withTimeout(producer.send('raw', chunk), options.sendTimeoutMs);
  } catch (err) {
    if (!isTransient(err)) throw err;
    throw new IngestHttpError(
      503,
      KAFKA_UNAVAILABLE,
      'Kafka is unavailable; nothing was lost, retry later.',
      {
        headers: { 'Retry-After': String(options.retryAfterSeconds) },
      },
    );
  }
}
