// One line of an archive object: one Kafka record, as JSON (format version 1).
//
//   {"lrstream_archive":1,"topic":"events.raw.v1","partition":3,"offset":1042,
//    "timestamp":1764853200123,"key":"9f2c...","schema_id":7,
//    "value":{"event_id":"...","payload":"{\"username\": ...}", ...},
//    "bytes":{"/payload":"utf8"}}
//
// - `value` is the record's Avro value decoded with its topic's contract, as JSON. Avro `bytes`
//   fields cannot be JSON strings as they are: each one is written as text when its bytes are valid
//   UTF-8 (exactly: decoding then encoding gives the same bytes back) and as base64 otherwise, and
//   `bytes` maps its JSON pointer to "utf8" or "base64". Reading applies the map back, so every
//   byte round-trips. A tracking-log payload stays readable (grep, jq) in the common case.
// - `key` is the record key as text, with `key_encoding: "base64"` when it is not valid UTF-8.
// - A value that could not be decoded (poison on the topic) is kept anyway, so every offset is
//   archived: `value` is null, `value_base64` holds the record's bytes and `decode_error` its code.
// - `headers` holds the record's `lrstream-` headers (provenance of replays), as text.
export const ARCHIVE_FORMAT_VERSION = 1;

export type BytesEncoding = 'utf8' | 'base64';

export interface ArchiveEnvelope {
  lrstream_archive: typeof ARCHIVE_FORMAT_VERSION;
  topic: string;
  partition: number;
  offset: number;
  /** Kafka record timestamp (ms). */
  timestamp: number;
  key: string | null;
  key_encoding?: 'base64';
  /** The registry id the record was written with, when it was Confluent-framed. */
  schema_id: number | null;
  value: unknown;
  /** JSON pointer of each bytes field in `value` -> how it is written. */
  bytes?: Record<string, BytesEncoding>;
  value_base64?: string;
  decode_error?: string;
  headers?: Record<string, string>;
}

/** A Kafka record as the archive sees it. */
export interface ArchiveRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  schemaId: number | null;
  /** The decoded value (Buffers for Avro bytes), or undefined when it could not be decoded. */
  value?: unknown;
  /** The record's bytes, kept when the value could not be decoded. */
  rawValue?: Buffer | null;
  decodeError?: string;
  headers?: Record<string, string>;
}

/** The text of `bytes` when it is valid UTF-8 that encodes back to exactly the same bytes. */
export function exactUtf8(bytes: Uint8Array): string | undefined {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  // A replacement character means invalid input, unless the input itself held U+FFFD: compare.
  if (!text.includes('\uFFFD')) return text;
  return Buffer.from(text, 'utf8').equals(bytes) ? text : undefined;
}

const escapePointer = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1');
const unescapePointer = (token: string): string => token.replace(/~1/g, '/').replace(/~0/g, '~');

/** The decoded value as JSON-ready data, and the pointers of its bytes fields. */
function toJson(value: unknown, pointer: string, bytes: Record<string, BytesEncoding>): unknown {
  if (value instanceof Uint8Array) {
    const text = exactUtf8(value);
    if (text !== undefined) {
      bytes[pointer] = 'utf8';
      return text;
    }
    bytes[pointer] = 'base64';
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  }
  if (Array.isArray(value)) return value.map((v, i) => toJson(v, `${pointer}/${i}`, bytes));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      out[k] = toJson(v, `${pointer}/${escapePointer(k)}`, bytes);
    }
    return out;
  }
  if (typeof value === 'bigint') return Number(value);
  return value;
}

export function toEnvelope(record: ArchiveRecord): ArchiveEnvelope {
  const envelope: ArchiveEnvelope = {
    lrstream_archive: ARCHIVE_FORMAT_VERSION,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: null,
    schema_id: record.schemaId,
    value: null,
  };
  if (record.key !== null) {
    const text = exactUtf8(record.key);
    if (text !== undefined) envelope.key = text;
    else {
      envelope.key = record.key.toString('base64');
      envelope.key_encoding = 'base64';
    }
  }
  if (record.value !== undefined && record.decodeError === undefined) {
    const bytes: Record<string, BytesEncoding> = {};
    envelope.value = toJson(record.value, '', bytes);
    if (Object.keys(bytes).length > 0) envelope.bytes = bytes;
  } else {
    if (record.rawValue) envelope.value_base64 = record.rawValue.toString('base64');
    envelope.decode_error = record.decodeError ?? 'LRS_ERR_NULL_VALUE';
  }
  if (record.headers && Object.keys(record.headers).length > 0) envelope.headers = record.headers;
  return envelope;
}

/** One NDJSON line (with its newline) for a record. */
export function envelopeLine(record: ArchiveRecord): string {
  return `${JSON.stringify(toEnvelope(record))}\n`;
}

export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
  readonly code = 'ARCHIVE_BAD_ENVELOPE';
  readonly retryable = false;
}

/** True when a parsed JSON line looks like an archive envelope (what `ingest file` detects). */
export function isEnvelope(value: unknown): value is ArchiveEnvelope {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    v.lrstream_archive === ARCHIVE_FORMAT_VERSION &&
    typeof v.topic === 'string' &&
    typeof v.partition === 'number' &&
    typeof v.offset === 'number'
  );
}

/** Sets the Buffer back at a JSON pointer of a parsed value. */
function restoreBytes(root: unknown, pointer: string, encoding: BytesEncoding): unknown {
  const decode = (text: unknown): Buffer => {
    if (typeof text !== 'string') throw new EnvelopeError(`bytes field ${pointer} is not a string`);
    return Buffer.from(text, encoding === 'utf8' ? 'utf8' : 'base64');
  };
  if (pointer === '') return decode(root);
  const tokens = pointer.split('/').slice(1).map(unescapePointer);
  let parent: unknown = root;
  for (const token of tokens.slice(0, -1)) {
    if (parent === null || typeof parent !== 'object')
      throw new EnvelopeError(`no field at ${pointer} in the value`);
    parent = (parent as Record<string, unknown>)[token];
  }
  const last = tokens[tokens.length - 1]!;
  if (parent === null || typeof parent !== 'object' || !(last in (parent as object)))
    throw new EnvelopeError(`no field at ${pointer} in the value`);
  const holder = parent as Record<string, unknown>;
  holder[last] = decode(holder[last]);
  return root;
}

export interface DecodedEnvelope {
  envelope: ArchiveEnvelope;
  key: Buffer | null;
  /** The value with its bytes fields as Buffers; undefined when the record had not decoded. */
  value: unknown;
}

/** Parses one NDJSON line of an archive object; throws EnvelopeError when it is not one. */
export function parseEnvelope(line: string | Buffer): DecodedEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof line === 'string' ? line : line.toString('utf8'));
  } catch {
    throw new EnvelopeError('the line is not JSON');
  }
  return fromEnvelope(parsed);
}

export function fromEnvelope(parsed: unknown): DecodedEnvelope {
  if (!isEnvelope(parsed))
    throw new EnvelopeError('the line is not an lrstream archive envelope (version 1)');
  const envelope = parsed;
  const key =
    envelope.key === null
      ? null
      : Buffer.from(envelope.key, envelope.key_encoding === 'base64' ? 'base64' : 'utf8');
  if (envelope.decode_error !== undefined) return { envelope, key, value: undefined };
  let value: unknown = envelope.bytes ? structuredClone(envelope.value) : envelope.value;
  for (const [pointer, encoding] of Object.entries(envelope.bytes ?? {}))
    value = restoreBytes(value, pointer, encoding);
  return { envelope, key, value };
}
