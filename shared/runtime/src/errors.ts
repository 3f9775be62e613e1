// Every failure a stage can meet is classified by two facts, never by its class: a stable `code`
// (a metric label, a dead letter's error_code) and whether it is `retryable`.
//   retryable: the world is temporarily wrong (Kafka, registry or Elasticsearch unavailable,
//     429/5xx). Back off and try again within a budget; do not commit the input offset.
//   not retryable: this input can never succeed (bad JSON, invalid statement, wrong schema).
//     Dead-letter it with the reason, then commit: redelivering it forever would stall the partition.
// Errors thrown by libraries carry neither fact: classifyError() derives them from what the error
// says about itself (kafkajs `retriable`, HTTP status, socket error codes).

/** An error that says what it is: its stable code and whether trying again may succeed. */
export interface ClassifiedError {
  readonly code: string;
  readonly retryable: boolean;
}

export class PoisonError extends Error implements ClassifiedError {
  override readonly name = 'PoisonError';
  readonly retryable = false;
  constructor(
    readonly code: string,
    message: string,
    readonly pointer: string | null = null,
  ) {
    super(message);
  }
}

export class RetryableError extends Error implements ClassifiedError {
  override readonly name = 'RetryableError';
  readonly retryable = true;
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const TRANSIENT_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

const TRANSIENT_KAFKAJS =
  /^KafkaJS(Connection|NumberOfRetriesExceeded|RequestTimeout|BrokerNotFound|Timeout|Lock)/;

type Described = {
  name?: unknown;
  code?: unknown;
  retryable?: unknown;
  retriable?: unknown;
  status?: unknown;
  statusCode?: unknown;
  cause?: unknown;
  message?: unknown;
};

/**
 * The code and retryability of anything thrown. An error that states `retryable` and a string
 * `code` is taken at its word; otherwise network-level failures (sockets, kafkajs retriable
 * errors, HTTP 429/5xx) are retryable with code LRS_ERR_TRANSIENT, and the rest are
 * LRS_ERR_UNEXPECTED, not retryable.
 */
export function classifyError(err: unknown): ClassifiedError {
  const e = (err ?? {}) as Described;
  if (typeof e.retryable === 'boolean' && typeof e.code === 'string')
    return { code: e.code, retryable: e.retryable };
  return isTransientFailure(err, 0)
    ? { code: 'LRS_ERR_TRANSIENT', retryable: true }
    : { code: 'LRS_ERR_UNEXPECTED', retryable: false };
}

function isTransientFailure(err: unknown, depth: number): boolean {
  if (err === null || typeof err !== 'object' || depth > 4) return false;
  const e = err as Described;
  if (typeof e.retryable === 'boolean') return e.retryable;
  if (e.retriable === true) return true;
  const status = typeof e.status === 'number' ? e.status : e.statusCode;
  if (typeof status === 'number' && (status === 429 || status >= 500)) return true;
  if (typeof e.name === 'string' && TRANSIENT_KAFKAJS.test(e.name)) return true;
  if (typeof e.code === 'string' && TRANSIENT_SOCKET_CODES.has(e.code)) return true;
  if (e.message === 'fetch failed') return true;
  return isTransientFailure(e.cause, depth + 1);
}

/** Bounded vocabulary for metric labels: never an unbounded message or a value from the input. */
export function errorKind(err: unknown): 'poison' | 'retryable' | 'unexpected' {
  const { code, retryable } = classifyError(err);
  if (retryable) return 'retryable';
  return code === 'LRS_ERR_UNEXPECTED' ? 'unexpected' : 'poison';
}

/**
 * A description of an error safe to log or to put in a dead letter: its name and code, never its
 * message or stack (either may quote the record that caused it).
 */
export function describeErrorSafely(err: unknown): string {
  const e = (err ?? {}) as Described;
  const name = typeof e.name === 'string' && /^[A-Za-z0-9_]{1,60}$/.test(e.name) ? e.name : 'Error';
  const code = typeof e.code === 'string' && /^[A-Za-z0-9_.-]{1,60}$/.test(e.code) ? e.code : null;
  return code ? `${name} (${code})` : name;
}
