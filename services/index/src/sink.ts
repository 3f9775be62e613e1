// The Elasticsearch sink as a stage `process` function: records in, one outcome per record out.
// A record's outcome is `delivered` only once ES acknowledged its document, so runStage commits the
// offset after the write, never before. I/O is one injected function (`bulk`), the rules are pure.
import type { InputRecord, Outcome } from '@lrstream/kafka';
import { RetryableError, type Logger } from '@lrstream/runtime';
import type { BuildResult } from './document.js';
import {
  chunkRanges,
  classifyItem,
  isRetryableRequestError,
  itemOf,
  toBulkLines,
  type BulkItem,
  type ItemVerdict,
} from './bulk.js';
import type { IndexMetrics, Store } from './metrics.js';

/** Sends NDJSON lines to _bulk; answers ES's items, one per document, in order. */
export type BulkFn = (lines: string[]) => Promise<{ items: Partial<Record<string, BulkItem>>[] }>;

export interface SinkOptions<T> {
  store: Store;
  build(value: T, indexedAt: number): BuildResult;
  /** Envelope facts the sink needs besides the document. */
  envelope(value: T): {
    eventId: string;
    receivedAt: number;
    statementJson: string;
    /** The policy's time unit when anonymize coarsened the record's times (null: exact times). */
    timeGranularityMs: number | null;
  };
  bulk: BulkFn;
  limits: { maxDocs: number; maxBytes: number };
  metrics: IndexMetrics;
  log: Logger;
  now?: () => number;
}

export const SINK_NAME = 'elasticsearch';

export function createSink<T>(options: SinkOptions<T>): (records: InputRecord<T>[]) => Promise<Outcome[]> {
  const { store, metrics, log } = options;
  const now = options.now ?? Date.now;
  const deadLetter = (value: T, code: string, message: string): Outcome => {
    const envelope = options.envelope(value);
    const unit = envelope.timeGranularityMs;
    return {
      kind: 'dead-letter',
      code,
      message,
      eventId: envelope.eventId,
      payload: Buffer.from(envelope.statementJson, 'utf8'),
      // Coarse like the record's other times: an exact failure time would date its receipt.
      ...(unit !== null && unit > 0 ? { failedAt: Math.floor(now() / unit) * unit } : {}),
    };
  };

  return async (records) => {
    const outcomes: (Outcome | undefined)[] = new Array(records.length);
    const pending: { at: number; lines: [string, string]; bytes: number }[] = [];
    const indexedAt = now();
    for (const [at, record] of records.entries()) {
      const built = options.build(record.value, indexedAt);
      if (!built.ok) {
        outcomes[at] = deadLetter(record.value, built.code, built.message);
        continue;
      }
      const lines = toBulkLines(built.doc);
      pending.push({ at, lines, bytes: Buffer.byteLength(lines[0]) + Buffer.byteLength(lines[1]) + 2 });
    }

    for (const [start, end] of chunkRanges(
      pending.map((p) => p.bytes),
      options.limits,
    )) {
      const chunk = pending.slice(start, end);
      const timer = metrics.bulkSeconds.startTimer({ store });
      let items: Partial<Record<string, BulkItem>>[];
      try {
        items = (await options.bulk(chunk.flatMap((p) => p.lines))).items;
      } catch (err) {
        if (isRetryableRequestError(err))
          throw new RetryableError('ES_UNAVAILABLE', 'Elasticsearch did not accept the bulk request.', {
            cause: err,
          });
        throw err;
      } finally {
        timer();
      }
      if (items.length !== chunk.length)
        throw new Error(`_bulk answered ${items.length} items for ${chunk.length} documents`);

      const verdicts: ItemVerdict[] = items.map((entry) => {
        const item = itemOf(entry);
        return item ? classifyItem(item) : { kind: 'retry', reason: 'missing_item' };
      });
      const retries = verdicts.filter((v) => v.kind === 'retry');
      if (retries.length > 0) {
        for (const v of retries) metrics.itemsFailed.inc({ store, reason: v.reason });
        // Nothing of this batch is committed: the whole batch comes again after a backoff.
        throw new RetryableError(
          'ES_BULK_ITEM_RETRYABLE',
          `${retries.length} of ${chunk.length} bulk items answered 429/5xx (first: ${retries[0]?.reason}).`,
        );
      }
      const ackedAt = now();
      let indexed = 0;
      for (const [i, verdict] of verdicts.entries()) {
        const entry = chunk[i];
        const record = entry && records[entry.at];
        if (!entry || !record) continue;
        if (verdict.kind === 'ok') {
          outcomes[entry.at] = { kind: 'delivered', sink: SINK_NAME };
          indexed += 1;
          const receivedAt = options.envelope(record.value).receivedAt;
          metrics.endToEndSeconds.observe({ store }, Math.max(0, ackedAt - receivedAt) / 1000);
        } else if (verdict.kind === 'reject') {
          metrics.itemsFailed.inc({ store, reason: verdict.reason });
          outcomes[entry.at] = deadLetter(record.value, verdict.code, verdict.message);
          log.warn(
            { code: verdict.code, partition: record.partition, offset: record.offset },
            'Elasticsearch rejected a document; dead-lettering it.',
          );
        }
      }
      metrics.documentsIndexed.inc({ store }, indexed);
    }

    return outcomes.map((o, i) => {
      if (!o) throw new Error(`no outcome for record ${i}`);
      return o;
    });
  };
}
