// The xAPI statements resource, without HTTP: a POST/PUT body -> raw records + statement ids.
// The envelope must be answerable (JSON, objects, usable ids, no duplicate ids: like Ralph, 400
// otherwise); statement content is validated downstream (default) or here when atomic is asked for.
import { randomUUID } from 'node:crypto';
import { isXapiUuid, validateXapiStatements, type Issue } from '@lrstream/domain';
import { badRequest, tooLarge } from './errors.js';
import { scanJson } from './json-scan.js';
import type { IngestLimits } from './limits.js';
import { rawRecord, xapiKeyOf, type Origin, type RawRecord } from './raw-record.js';

export interface PreparedStatements {
  records: RawRecord[];
  /** Statement ids in request order (generated ones included). */
  ids: string[];
}

export interface StatementOptions {
  limits: IngestLimits;
  /** LRS all-or-nothing: validate every statement now and refuse the batch if any is invalid. */
  atomic: boolean;
  /** PUT: the statementId query parameter. */
  statementId?: string;
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses a JSON body after the depth check; shared by the xAPI and edX array paths. */
export function parseJsonBody(body: Buffer, limits: IngestLimits) {
  if (body.length === 0) throw badRequest('LRS_ERR_EMPTY_BODY', 'The request body is empty.');
  const scan = scanJson(body, limits.maxDepth);
  if (scan.tooDeep)
    throw badRequest(
      'LRS_ERR_JSON_TOO_DEEP',
      `The JSON body is nested deeper than ${limits.maxDepth} levels.`,
    );
  let value: unknown;
  try {
    value = JSON.parse(body.subarray(scan.root[0]).toString('utf8'));
  } catch (err) {
    throw badRequest('LRS_ERR_JSON', `The body is not valid JSON: ${(err as Error).message}`);
  }
  return { value, scan };
}

export function prepareStatements(
  body: Buffer,
  origin: Origin,
  options: StatementOptions,
): PreparedStatements {
  const { limits } = options;
  const { value, scan } = parseJsonBody(body, limits);
  const isPut = options.statementId !== undefined;
  if (isPut && !isXapiUuid(options.statementId ?? ''))
    throw badRequest('LRS_ERR_STATEMENT_ID', 'The statementId parameter must be a UUID.');
  if (isPut && Array.isArray(value))
    throw badRequest('LRS_ERR_PUT_ARRAY', 'PUT stores one statement: send an object, not an array.');

  const statements: unknown[] = Array.isArray(value) ? value : [value];
  const spans = Array.isArray(value) ? (scan.elements ?? []) : [scan.root];
  if (spans.length !== statements.length)
    throw new Error('JSON scan and parse disagree on the element count');
  if (statements.length > limits.maxStatements)
    throw tooLarge(
      'LRS_ERR_BATCH_TOO_LARGE',
      `${statements.length} statements in one request; the limit is ${limits.maxStatements}.`,
    );

  const ids: string[] = [];
  const generated: boolean[] = [];
  const seen = new Map<string, number>();
  statements.forEach((statement, i) => {
    const where = Array.isArray(value) ? `statement ${i}` : 'the statement';
    if (!isObject(statement)) throw badRequest('LRS_ERR_NOT_A_STATEMENT', `${where} is not a JSON object.`);
    const given = statement.id;
    if (given !== undefined && (typeof given !== 'string' || !isXapiUuid(given)))
      throw badRequest('LRS_ERR_STATEMENT_ID', `The id of ${where} is not a UUID.`);
    if (isPut && typeof given === 'string' && given.toLowerCase() !== options.statementId?.toLowerCase())
      throw badRequest(
        'LRS_ERR_STATEMENT_ID_MISMATCH',
        'The statement id does not match the statementId parameter.',
      );
    generated.push(given === undefined);
    const id = typeof given === 'string' ? given : (options.statementId ?? randomUUID());
    const first = seen.get(id.toLowerCase());
    if (first !== undefined)
      throw badRequest('LRS_ERR_DUPLICATE_ID', `Statement ${i} repeats the id of statement ${first}.`);
    seen.set(id.toLowerCase(), i);
    ids.push(id);
  });

  if (options.atomic) {
    const issues: Issue[] = validateXapiStatements(value).flatMap((r) => r.issues);
    if (issues.length > 0)
      throw badRequest('LRS_ERR_XAPI_INVALID', `${issues.length} problem(s) found; nothing was stored.`, {
        issues,
      });
  }

  const records = statements.map((statement, i) => {
    const [start, end] = spans[i] as [number, number];
    const original = body.subarray(start, end);
    const id = ids[i] as string;
    const payload = generated[i] ? withId(original, id, statement as Obj) : Buffer.from(original);
    if (payload.length > limits.maxEventBytes)
      throw tooLarge('LRS_ERR_EVENT_TOO_LARGE', `Statement ${i} is over ${limits.maxEventBytes} bytes.`);
    return rawRecord('xapi', payload, origin, { actorKey: xapiKeyOf(statement) });
  });
  return { records, ids };
}

/**
 * The statement's bytes with `"id"` inserted as the first member: every other byte stays as sent,
 * and the id the client was told is the id that travels downstream.
 */
function withId(original: Buffer, id: string, statement: Obj): Buffer {
  const member = Buffer.from(`"id":${JSON.stringify(id)}`);
  if (Object.keys(statement).length === 0) return Buffer.concat([Buffer.from('{'), member, Buffer.from('}')]);
  // The span starts at the object's "{" (the scan trims whitespace).
  return Buffer.concat([Buffer.from('{'), member, Buffer.from(','), original.subarray(1)]);
}
