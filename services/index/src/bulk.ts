// Pure rules for talking to Elasticsearch's _bulk API: how to frame requests and what each answer
// means. They follow Vector's Elasticsearch sink (src/sinks/elasticsearch/retry.rs):
//   request  429, 5xx (not 501), network/timeout     -> retry the batch (the world is broken)
//   request  other 4xx, 501                          -> not retryable: a bug or misconfiguration
//   item     2xx                                     -> acknowledged
//   item     429, 5xx                                 -> retry the batch (request_retry_partial)
//   item     other 4xx (mapping conflict, parse error) -> this document never fits: dead-letter it
// Retrying acknowledged items again is harmless: the document id is the statement id.
import type { IndexDocument } from './document.js';

/** The part of a _bulk response item these rules read. */
export interface BulkItem {
  status: number;
  error?: { type?: string; reason?: string | null } | null;
}

export type ItemVerdict =
  | { kind: 'ok' }
  | { kind: 'retry'; reason: string }
  | { kind: 'reject'; reason: string; code: string; message: string };

const retryableStatus = (status: number) => status === 429 || (status >= 500 && status !== 501);

/** A metric-label-safe name of an ES error type (ES's own vocabulary, bounded and lower-case). */
export function errorReason(item: BulkItem): string {
  const type = item.error?.type;
  return type && /^[a-z0-9_]{1,80}$/.test(type) ? type : `status_${item.status}`;
}

// Parts of ES reasons that quote the document (values, immense terms): cut from there on.
const CONTENT_MARKERS = [/\.?\s*Preview of field's value/i, /,?\s*(the prefix of )?the first immense term/i];

/** ES's reason without any quoted document content, bounded in length. */
export function sanitizeReason(reason: string | null | undefined): string {
  let text = reason ?? 'no reason given';
  for (const marker of CONTENT_MARKERS) {
    const at = text.search(marker);
    if (at >= 0) text = text.slice(0, at);
  }
  text = text.trim();
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

export function classifyItem(item: BulkItem): ItemVerdict {
  if (item.status >= 200 && item.status < 300) return { kind: 'ok' };
  const reason = errorReason(item);
  if (retryableStatus(item.status)) return { kind: 'retry', reason };
  return {
    kind: 'reject',
    reason,
    code: `ES_REJECTED_${reason.toUpperCase()}`,
    message: `Elasticsearch rejected the document (${item.status}): ${sanitizeReason(item.error?.reason)}`,
  };
}

/** The item of one bulk response entry, whatever its operation key (index, create...). */
export function itemOf(entry: Partial<Record<string, BulkItem>>): BulkItem | undefined {
  for (const value of Object.values(entry)) if (value) return value;
  return undefined;
}

/**
 * Whether a failed _bulk request (the whole request, not an item) is worth retrying. Classified by
 * fields (name, statusCode), not classes: error classes differ across package copies.
 */
export function isRetryableRequestError(err: unknown): boolean {
  const e = err as { name?: string; meta?: { statusCode?: number | null }; statusCode?: number } | null;
  if (!e) return false;
  if (
    ['ConnectionError', 'TimeoutError', 'NoLivingConnectionsError', 'RequestAbortedError'].includes(
      e.name ?? '',
    )
  )
    return true;
  const status = e.meta?.statusCode ?? e.statusCode;
  return typeof status === 'number' && retryableStatus(status);
}

/** NDJSON lines of one document: the action and the body (`index` = create or overwrite). */
export function toBulkLines(doc: IndexDocument): [string, string] {
  return [JSON.stringify({ index: { _index: doc.index, _id: doc.id } }), JSON.stringify(doc.source)];
}

/**
 * Splits framed documents into requests of at most `maxDocs` documents and about `maxBytes` bytes
 * (a single document larger than maxBytes still goes, alone). Returns index ranges [start, end).
 */
export function chunkRanges(
  sizes: readonly number[],
  limits: { maxDocs: number; maxBytes: number },
): [number, number][] {
  const ranges: [number, number][] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < sizes.length; i += 1) {
    const size = sizes[i] ?? 0;
    const count = i - start;
    if (count > 0 && (count >= limits.maxDocs || bytes + size > limits.maxBytes)) {
      ranges.push([start, i]);
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (start < sizes.length) ranges.push([start, sizes.length]);
  return ranges;
}
