// The two stores the service can fill, as sink options: what they read and how they build documents.
import type { XapiAnonymized, XapiStatement } from '@lrstream/schemas';
import { buildAnonymizedDocument, buildIdentifiedDocument } from './document.js';
import type { SinkOptions } from './sink.js';

type StoreOptions<T> = Pick<SinkOptions<T>, 'store' | 'build' | 'envelope'>;

export function anonymizedStore(prefix: string): StoreOptions<XapiAnonymized> {
  return {
    store: 'anonymized',
    build: (value, indexedAt) => buildAnonymizedDocument(value, prefix, indexedAt),
    envelope: (value) => ({
      eventId: value.event_id,
      receivedAt: value.received_at,
      statementJson: value.statement_json,
      timeGranularityMs: value.time_granularity_ms ?? null,
    }),
  };
}

export function identifiedStore(prefix: string): StoreOptions<XapiStatement> {
  return {
    store: 'identified',
    build: (value, indexedAt) => buildIdentifiedDocument(value, prefix, indexedAt),
    envelope: (value) => ({
      eventId: value.event_id,
      receivedAt: value.received_at,
      statementJson: value.statement_json,
      timeGranularityMs: null,
    }),
  };
}
