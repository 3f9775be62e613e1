// The two kinds of failure a stage can meet, and what it does with each:
//   RetryableError: the world is temporarily wrong (Kafka, registry or Elasticsearch unavailable,
//     429/5xx). Back off and try again; do not commit the input offset.
//   PoisonError: this input can never succeed (bad JSON, invalid statement, no converter).
//     Dead-letter it with the reason, then commit: redelivering it forever would stall the partition.

export class PoisonError extends Error {
  override readonly name = 'PoisonError';
  constructor(
    readonly code: string,
    message: string,
    readonly pointer: string | null = null,
  ) {
    super(message);
  }
}

export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Bounded vocabulary for metric labels: never an unbounded message or a value from the input. */
export function errorKind(err: unknown): 'poison' | 'retryable' | 'unexpected' {
  if (err instanceof PoisonError) return 'poison';
  if (err instanceof RetryableError) return 'retryable';
  return 'unexpected';
}
