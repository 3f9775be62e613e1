// The edX tracking-log endpoint, without HTTP: a JSON array or NDJSON body -> one raw record per
// event. Lines are kept byte-exact (without their line terminator) and malformed lines are kept too:
// the validate stage dead-letters them with the parse reason, so nothing a client sent is lost.
import { badRequest, tooLarge } from './errors.js';
import { scanJson } from './json-scan.js';
import type { IngestLimits } from './limits.js';
import { edxKeyOfLine, edxKeyOfValue, rawRecord, type Origin, type RawRecord } from './raw-record.js';
import { parseJsonBody } from './xapi.js';

export interface PreparedEdx {
  records: RawRecord[];
  blank: number;
}

/** NDJSON unless the body is a JSON array (and the client did not say it is NDJSON). */
export function isJsonArrayBody(body: Buffer, contentType: string | undefined): boolean {
  if (/ndjson|jsonlines|json-seq|text\/plain/i.test(contentType ?? '')) return false;
  for (const byte of body) {
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
    return byte === 0x5b;
  }
  return false;
}

export function prepareEdxEvents(
  body: Buffer,
  contentType: string | undefined,
  origin: Origin,
  limits: IngestLimits,
): PreparedEdx {
  return isJsonArrayBody(body, contentType)
    ? prepareArray(body, origin, limits)
    : prepareLines(body, origin, limits);
}

function prepareArray(body: Buffer, origin: Origin, limits: IngestLimits): PreparedEdx {
  const { value, scan } = parseJsonBody(body, limits);
  const events = value as unknown[];
  const spans = scan.elements ?? [];
  if (spans.length !== events.length) throw new Error('JSON scan and parse disagree on the element count');
  checkCount(events.length, limits);
  const records = events.map((event, i) => {
    const [start, end] = spans[i] as [number, number];
    checkSize(end - start, `Event ${i}`, limits);
    return rawRecord('edx', Buffer.from(body.subarray(start, end)), origin, {
      actorKey: edxKeyOfValue(event),
    });
  });
  return { records, blank: 0 };
}

/** Splits on LF; a CR before it belongs to the terminator. Yields [start, end, 1-based number]. */
export function* lineSpans(body: Uint8Array): Generator<[number, number, number]> {
  let start = 0;
  let number = 1;
  while (start < body.length) {
    let nl = body.indexOf(0x0a, start);
    if (nl < 0) nl = body.length;
    const end = nl > start && body[nl - 1] === 0x0d ? nl - 1 : nl;
    yield [start, end, number];
    start = nl + 1;
    number += 1;
  }
}

export const isBlank = (bytes: Uint8Array, start: number, end: number): boolean => {
  for (let i = start; i < end; i += 1) {
    const c = bytes[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
};

function prepareLines(body: Buffer, origin: Origin, limits: IngestLimits): PreparedEdx {
  const records: RawRecord[] = [];
  let blank = 0;
  for (const [start, end, number] of lineSpans(body)) {
    if (isBlank(body, start, end)) {
      blank += 1;
      continue;
    }
    checkCount(records.length + 1, limits);
    checkSize(end - start, `Line ${number}`, limits);
    if (scanJson(body, limits.maxDepth, start, end).tooDeep)
      throw badRequest(
        'LRS_ERR_JSON_TOO_DEEP',
        `Line ${number} is nested deeper than ${limits.maxDepth} levels.`,
      );
    const line = body.subarray(start, end);
    records.push(
      rawRecord('edx', Buffer.from(line), origin, { actorKey: edxKeyOfLine(line.toString('utf8')) }),
    );
  }
  if (records.length === 0) throw badRequest('LRS_ERR_EMPTY_BODY', 'The request holds no event.');
  return { records, blank };
}

function checkCount(count: number, limits: IngestLimits): void {
  if (count > limits.maxEdxEvents)
    throw tooLarge('LRS_ERR_BATCH_TOO_LARGE', `More than ${limits.maxEdxEvents} events in one request.`);
}

function checkSize(bytes: number, what: string, limits: IngestLimits): void {
  if (bytes > limits.maxEventBytes)
    throw tooLarge('LRS_ERR_EVENT_TOO_LARGE', `${what} is over ${limits.maxEventBytes} bytes.`);
}
