// The index service's own metrics (the stage loop adds lrstream_index_events_* beside them).
// `store` is anonymized or identified: bounded, never an index name derived from data.
import { Counter, Histogram, type Registry } from '@lrstream/runtime';

export type Store = 'anonymized' | 'identified';

export interface IndexMetrics {
  documentsIndexed: Counter<'store'>;
  bulkSeconds: Histogram<'store'>;
  itemsFailed: Counter<'store' | 'reason'>;
  endToEndSeconds: Histogram<'store'>;
  expiredIndicesDeleted: Counter<'store'>;
}

export function createIndexMetrics(registry: Registry): IndexMetrics {
  const registers = [registry];
  return {
    documentsIndexed: new Counter({
      name: 'lrstream_index_documents_indexed_total',
      help: 'Documents acknowledged by Elasticsearch (a replay counts again; the document is overwritten).',
      labelNames: ['store'],
      registers,
    }),
    bulkSeconds: new Histogram({
      name: 'lrstream_index_bulk_seconds',
      help: 'Duration of one _bulk request, including failed ones.',
      labelNames: ['store'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    itemsFailed: new Counter({
      name: 'lrstream_index_bulk_items_failed_total',
      help: 'Bulk items Elasticsearch did not acknowledge, by ES error type (retried or dead-lettered).',
      labelNames: ['store', 'reason'],
      registers,
    }),
    endToEndSeconds: new Histogram({
      name: 'lrstream_index_end_to_end_latency_seconds',
      help: 'From receipt by ingest (received_at) to acknowledgement by Elasticsearch.',
      labelNames: ['store'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120],
      registers,
    }),
    expiredIndicesDeleted: new Counter({
      name: 'lrstream_index_expired_indices_deleted_total',
      help: 'Daily indices of the short-term store deleted by the retention cleanup.',
      labelNames: ['store'],
      registers,
    }),
  };
}
