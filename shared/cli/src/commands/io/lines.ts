// Line-oriented streaming I/O shared by validate, convert and extract: input from stdin or a file
// (gzip detected by magic bytes), one line at a time, buffered output with back-pressure, and the
// JSON error records written to stderr.
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { isUtf8 } from 'node:buffer';
import { createGunzip } from 'node:zlib';
import type { Readable, Writable } from 'node:stream';
import type { Issue } from '@lrstream/domain';

/** One input line. `raw` keeps its "\n" (or "\r\n") terminator, as Python's file iteration does. */
export interface InputLine {
  /** 1-based line number. */
  number: number;
  /** The line without its terminator ("\r\n" and "\n" removed). */
  text: string;
  /** The line exactly as read, terminator included (absent on a last unterminated line). */
  raw: string;
  /** False when the line's bytes are not valid UTF-8 (`text` and `raw` then hold U+FFFD in their place). */
  utf8: boolean;
}

/**
 * Opens the input: a file path (gzip is recognised by its magic bytes, whatever the name) or
 * stdin when the path is undefined or "-". Stdin is checked for gzip the same way.
 */
export async function openInput(path: string | undefined): Promise<{ stream: Readable; close(): void }> {
  const source: Readable = path === undefined || path === '-' ? process.stdin : createReadStream(path);
  const stream = await sniffGzip(source);
  return {
    stream,
    // Stopping early (an error without --ignore-errors): release the source so the process can exit.
    close() {
      if (stream !== source) stream.destroy();
      source.destroy();
    },
  };
}

async function sniffGzip(source: Readable): Promise<Readable> {
  // Read the first chunk, put it back, and pipe through gunzip when it starts with 1f 8b.
  const first = await new Promise<Buffer | null>((resolve, reject) => {
    const onReadable = () => {
      cleanup();
      resolve(source.read() as Buffer | null);
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      source.off('readable', onReadable);
      source.off('end', onEnd);
      source.off('error', onError);
    };
    source.once('readable', onReadable);
    source.once('end', onEnd);
    source.once('error', onError);
  });
  if (first === null) return source;
  source.unshift(first);
  if (first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b) {
    const gunzip = createGunzip();
    source.on('error', (err) => gunzip.destroy(err));
    return source.pipe(gunzip);
  }
  return source;
}

/**
 * Splits a byte stream into lines at "\n" without holding more than one chunk plus one partial
 * line in memory. Lines are cut as bytes and each is decoded on its own, so a character cut
 * between chunks is whole again, and a line that is not valid UTF-8 is flagged, never silently
 * repaired.
 */
export async function* readLines(input: Readable): AsyncGenerator<InputLine> {
  let pending: Buffer[] = [];
  let number = 0;
  const make = (bytes: Buffer): InputLine => {
    const raw = bytes.toString('utf8');
    let end = raw.length;
    if (end > 0 && raw.charCodeAt(end - 1) === 10) end--;
    if (end > 0 && raw.charCodeAt(end - 1) === 13) end--;
    return { number: ++number, text: end === raw.length ? raw : raw.slice(0, end), raw, utf8: isUtf8(bytes) };
  };
  for await (const chunk of input) {
    const bytes: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    let start = 0;
    let nl = bytes.indexOf(10);
    while (nl !== -1) {
      const line = bytes.subarray(start, nl + 1);
      if (pending.length === 0) yield make(line);
      else {
        pending.push(line);
        yield make(Buffer.concat(pending));
        pending = [];
      }
      start = nl + 1;
      nl = bytes.indexOf(10, start);
    }
    // Copy the tail: the stream may reuse the chunk's memory.
    if (start < bytes.length) pending.push(Buffer.from(bytes.subarray(start)));
  }
  if (pending.length > 0) yield make(Buffer.concat(pending));
}

/**
 * Buffered line writer: collects output and hands it to the stream in ~64 KiB writes, waiting
 * for 'drain' when the consumer is slower. A closed pipe (EPIPE, e.g. `| head`) ends the output
 * quietly; `closed` then tells the caller to stop reading.
 */
export class LineWriter {
  private buffer: string[] = [];
  private size = 0;
  closed = false;

  constructor(private readonly stream: Writable) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') this.closed = true;
      else throw err;
    });
  }

  /** Adds one line (the "\n" is appended). Await the result only when it is a promise. */
  line(text: string): Promise<void> | undefined {
    this.buffer.push(text, '\n');
    this.size += text.length + 1;
    return this.size >= 65536 ? this.flush() : undefined;
  }

  /** Adds text as it is (a line carrying its own terminator, or none). */
  verbatim(text: string): Promise<void> | undefined {
    this.buffer.push(text);
    this.size += text.length;
    return this.size >= 65536 ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    if (this.size === 0 || this.closed) {
      this.buffer = [];
      this.size = 0;
      return;
    }
    const data = this.buffer.join('');
    this.buffer = [];
    this.size = 0;
    if (!this.stream.write(data) && !this.closed) {
      try {
        await Promise.race([once(this.stream, 'drain'), once(this.stream, 'close')]);
      } catch (err) {
        // events.once rejects on 'error'; a closed pipe only ends the output.
        if ((err as NodeJS.ErrnoException).code === 'EPIPE') this.closed = true;
        else throw err;
      }
    }
  }
}

/** The error record of one input line, as written to stderr. */
export interface ErrorRecord {
  line: number;
  code: string;
  message: string;
  pointer: string;
  expected?: string;
  got?: string;
  /** How many issues the line had in all, when more than one (the first is reported). */
  issues?: number;
}

export function errorRecord(line: number, issues: readonly Issue[]): ErrorRecord {
  const first = issues[0] ?? { code: 'UNKNOWN', message: 'Unknown problem.', pointer: '' };
  const record: ErrorRecord = { line, code: first.code, message: first.message, pointer: first.pointer };
  if (first.expected !== undefined) record.expected = first.expected;
  if (first.got !== undefined) record.got = first.got;
  if (issues.length > 1) record.issues = issues.length;
  return record;
}

/** Counts kept by every line command; printed with --summary. */
export interface LineStats {
  lines: number;
  output: number;
  errors: number;
  unknown: number;
  skipped: number;
}

export function newStats(): LineStats {
  return { lines: 0, output: 0, errors: 0, unknown: 0, skipped: 0 };
}

/**
 * Runs a per-line handler over the input with Ralph's stop rules. The handler returns what the
 * line gave: output lines, or an 'error' / 'unknown' / 'skipped' verdict with issues.
 * - error: recorded on stderr; stops with exit code 1 unless ignoreErrors;
 * - unknown: recorded; stops with exit code 1 only when failOnUnknown;
 * - skipped: recorded, never stops (the event is understood but yields nothing, e.g. no user).
 */
export type LineVerdict =
  /** `verbatim`: each line carries its own terminator (or none) and is written as it is. */
  | { kind: 'output'; lines: readonly string[]; verbatim?: boolean }
  | { kind: 'error' | 'unknown' | 'skipped'; issues: readonly Issue[] };

export interface RunOptions {
  path: string | undefined;
  ignoreErrors: boolean;
  failOnUnknown: boolean;
  summary: boolean;
  /** Ignore empty (whitespace-only) lines instead of reporting them. */
  skipBlank?: boolean;
  /** Report a line that is not valid UTF-8 as an error (LINE_NOT_UTF8) instead of handling it. */
  requireUtf8?: boolean;
}

/** The error of a line whose bytes are not UTF-8 (Ralph refuses such lines too). */
export const NOT_UTF8: Issue = {
  code: 'LINE_NOT_UTF8',
  message: 'The line is not valid UTF-8; it is refused rather than read with U+FFFD in place of its bytes.',
  pointer: '',
  expected: 'UTF-8 text',
};

export async function runLines(
  options: RunOptions,
  handle: (line: InputLine) => LineVerdict,
): Promise<number> {
  const input = await openInput(options.path);
  const out = new LineWriter(process.stdout);
  const err = new LineWriter(process.stderr);
  const stats = newStats();
  let code = 0;
  for await (const line of readLines(input.stream)) {
    if (options.skipBlank && line.text.trim() === '') continue;
    stats.lines++;
    const verdict: LineVerdict =
      options.requireUtf8 && !line.utf8 ? { kind: 'error', issues: [NOT_UTF8] } : handle(line);
    if (verdict.kind === 'output') {
      for (const text of verdict.lines) {
        stats.output++;
        const pending = verdict.verbatim ? out.verbatim(text) : out.line(text);
        if (pending) await pending;
      }
      if (out.closed) break;
      continue;
    }
    const pending = err.line(JSON.stringify(errorRecord(line.number, verdict.issues)));
    if (pending) await pending;
    if (verdict.kind === 'error') {
      stats.errors++;
      if (!options.ignoreErrors) {
        code = 1;
        break;
      }
    } else if (verdict.kind === 'unknown') {
      stats.unknown++;
      if (options.failOnUnknown) {
        code = 1;
        break;
      }
    } else stats.skipped++;
  }
  if (code !== 0 || out.closed) input.close();
  await out.flush();
  if (options.summary) err.line(JSON.stringify({ summary: stats }));
  await err.flush();
  return code;
}
