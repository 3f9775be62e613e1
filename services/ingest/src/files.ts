// Tracking logs, `.gz` archives, GELF lines and xAPI NDJSON from files or stdin -> the raw topic.
// Streams line by line (bytes, not decoded text: a line is stored exactly as read), sends in
// batches and waits for each acknowledgement before reading on, so memory stays bounded.
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { fromEnvelope, isEnvelope, type ArchiveEnvelope } from '@lrstream/archive';
import type { RecordProducer } from '@lrstream/kafka';
import { TOPICS, type RawEvent } from '@lrstream/schemas';
import { isBlank } from './edx.js';
import { DEFAULT_LIMITS } from './limits.js';
import { edxKeyOfValue, rawRecord, xapiKeyOf, type RawRecord } from './raw-record.js';
import { chunkRecords } from './sink.js';

/** `archive`: objects of lrstream's archive (gzip NDJSON envelopes); `auto` detects them too. */
export type FileFormat = 'auto' | 'edx' | 'xapi' | 'archive';

export interface FileProgress {
  file: string;
  lines: number;
  accepted: number;
  blank: number;
  oversized: number;
  /** Archive envelopes sent back as the raw records they were (same event id, same payload). */
  archived: number;
  /** Archive envelopes not sent: of another topic, or of a record that had not decoded. */
  skipped: number;
}

export interface IngestFilesOptions {
  producer: Pick<RecordProducer, 'send'>;
  format?: FileFormat;
  onProgress?: (progress: FileProgress) => void;
  /** Records per send (default 500). */
  batchSize?: number;
  /** Lines over this many bytes cannot be a Kafka record: counted as oversized, not sent as raw. */
  maxEventBytes?: number;
  /** Called for each oversized line (e.g. to dead-letter it), before reading on. */
  onOversized?: (line: { file: string; lineNumber: number; bytes: Buffer }) => Promise<void>;
  now?: () => number;
}

export interface IngestCounts {
  lines: number;
  accepted: number;
  blank: number;
  oversized: number;
  archived: number;
  skipped: number;
}

export async function ingestFiles(
  paths: string[] | 'stdin',
  options: IngestFilesOptions,
): Promise<IngestCounts> {
  const totals: IngestCounts = { lines: 0, accepted: 0, blank: 0, oversized: 0, archived: 0, skipped: 0 };
  const sources =
    paths === 'stdin'
      ? [{ name: 'stdin', channel: 'stdin' as const, open: () => process.stdin as AsyncIterable<Buffer> }]
      : paths.map((path) => ({
          name: basename(path),
          channel: 'file' as const,
          open: () => createReadStream(path) as AsyncIterable<Buffer>,
        }));
  for (const source of sources) {
    const counts = await ingestStream(source.open(), source.name, source.channel, options);
    totals.lines += counts.lines;
    totals.accepted += counts.accepted;
    totals.blank += counts.blank;
    totals.oversized += counts.oversized;
    totals.archived += counts.archived;
    totals.skipped += counts.skipped;
  }
  return totals;
}

async function ingestStream(
  input: AsyncIterable<Buffer>,
  name: string,
  channel: RawEvent['channel'],
  options: IngestFilesOptions,
): Promise<IngestCounts> {
  const batchSize = options.batchSize ?? 500;
  const maxEventBytes = options.maxEventBytes ?? DEFAULT_LIMITS.maxEventBytes;
  const now = options.now ?? Date.now;
  const progress: FileProgress = {
    file: name,
    lines: 0,
    accepted: 0,
    blank: 0,
    oversized: 0,
    archived: 0,
    skipped: 0,
  };
  let batch: RawRecord[] = [];
  let lastFormat: 'edx' | 'xapi' | undefined;

  const flush = async () => {
    for (const chunk of chunkRecords(batch, 512 * 1024)) await options.producer.send('raw', chunk);
    progress.accepted += batch.length;
    batch = [];
    options.onProgress?.({ ...progress });
  };

  for await (const line of splitLines(gunzipIfCompressed(input))) {
    progress.lines += 1;
    if (isBlank(line, 0, line.length)) {
      progress.blank += 1;
      continue;
    }
    // An archive envelope (its payload may be near the size limit, the envelope a bit over it).
    if (options.format === 'archive' || ((options.format ?? 'auto') === 'auto' && looksArchived(line))) {
      const record = archivedRawRecord(parseLine(line));
      if (record) {
        batch.push(record);
        progress.archived += 1;
        if (batch.length >= batchSize) await flush();
      } else progress.skipped += 1;
      continue;
    }
    if (line.length > maxEventBytes) {
      progress.oversized += 1;
      await options.onOversized?.({ file: name, lineNumber: progress.lines, bytes: line });
      continue;
    }
    const parsed = parseLine(line);
    const format =
      options.format === 'edx' || options.format === 'xapi'
        ? options.format
        : (detect(parsed) ?? lastFormat ?? 'edx');
    lastFormat = format;
    const origin = { channel, producer: name, receivedAt: now() };
    const actorKey = format === 'xapi' ? xapiKeyOf(parsed) : edxKeyOfValue(parsed);
    batch.push(rawRecord(format, Buffer.from(line), origin, { actorKey, lineNumber: progress.lines }));
    if (batch.length >= batchSize) await flush();
  }
  if (batch.length > 0 || progress.lines === 0) await flush();
  const { lines, accepted, blank, oversized, archived, skipped } = progress;
  return { lines, accepted, blank, oversized, archived, skipped };
}

/**
 * The raw record an archive envelope holds, as it was (event id, receipt time, payload bytes,
 * key), or undefined when the envelope is of another topic or of a record that had not decoded.
 */
function archivedRawRecord(parsed: unknown): RawRecord | undefined {
  if (!isEnvelope(parsed) || (parsed as ArchiveEnvelope).topic !== TOPICS.raw) return undefined;
  const { key, value } = fromEnvelope(parsed);
  if (value === undefined || value === null || typeof value !== 'object') return undefined;
  const raw = value as RawEvent;
  return { key: key ? key.toString('utf8') : raw.event_id, value: raw };
}

const ENVELOPE_START = Buffer.from('{"lrstream_archive":');
const looksArchived = (line: Buffer) => line.subarray(0, ENVELOPE_START.length).equals(ENVELOPE_START);

/** The line as JSON, after any syslog/logger prefix; undefined when it does not parse. */
function parseLine(line: Buffer): unknown {
  const brace = line.indexOf(0x7b);
  if (brace < 0) return undefined;
  try {
    return JSON.parse(line.subarray(brace).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** xAPI statements have actor, verb and object; everything else (edX, GELF) is a tracking log. */
function detect(value: unknown): 'edx' | 'xapi' | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  return 'verb' in v && 'object' in v && 'actor' in v ? 'xapi' : 'edx';
}

/** Passes the bytes through gunzip when they start with the gzip magic number (1f 8b). */
async function* gunzipIfCompressed(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const iterator = input[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const head = first.value;
  const rest = async function* () {
    yield head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  };
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    yield* rest();
    return;
  }
  // pipeline() propagates a corrupt archive as an error of the stream we read from.
  yield* pipeline(Readable.from(rest()), createGunzip(), () => undefined) as AsyncIterable<Buffer>;
}

/** Splits a byte stream on LF; a CR before it is part of the terminator. */
export async function* splitLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  for await (const chunk of chunks) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      const line = pending.length > 0 ? Buffer.concat([...pending, piece]) : piece;
      pending = [];
      yield line.length > 0 && line[line.length - 1] === 0x0d ? line.subarray(0, line.length - 1) : line;
      start = nl + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) {
    const line = Buffer.concat(pending);
    yield line[line.length - 1] === 0x0d ? line.subarray(0, line.length - 1) : line;
  }
}
