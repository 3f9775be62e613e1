// Where archive objects live: a small interface with two backends, a local directory (dir-store.ts)
// and S3-compatible storage (s3-store.ts). Keys are `/`-separated relative names (naming.ts).
// Failures carry a stable code and whether trying again may help (shared/runtime errors.ts).
import { RetryableError } from '@lrstream/runtime';

export interface StoredObject {
  key: string;
  size: number;
}

export interface ObjectStore {
  /** A description for logs (never a secret): e.g. `dir:/var/lib/archive` or `s3://bucket/prefix`. */
  readonly description: string;
  /** Writes the whole object at once: readers see the old object or the new one, never a part. */
  put(key: string, body: Buffer): Promise<void>;
  /** The object's bytes, or undefined when there is none. */
  get(key: string): Promise<Buffer | undefined>;
  /** The object's size, or undefined when there is none. */
  head(key: string): Promise<StoredObject | undefined>;
  /** Every object whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<StoredObject[]>;
  delete(key: string): Promise<void>;
}

export const STORE_CODES = {
  unavailable: 'ARCHIVE_STORE_UNAVAILABLE',
  refused: 'ARCHIVE_STORE_REFUSED',
  badKey: 'ARCHIVE_BAD_KEY',
} as const;

/** A store failure that may pass (network, 5xx, throttling): retry with backoff. */
export const storeUnavailable = (what: string, cause: unknown): RetryableError =>
  new RetryableError(STORE_CODES.unavailable, `The archive store did not complete ${what}.`, { cause });

/** A store failure that will not pass by itself (denied, bad bucket, disk full): the operator's to fix. */
export class StoreRefusedError extends Error {
  override readonly name = 'StoreRefusedError';
  readonly code = STORE_CODES.refused;
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Keys are relative, `/`-separated, without `..` or empty segments. */
export function assertKey(key: string): void {
  if (
    key.length === 0 ||
    key.startsWith('/') ||
    key.split('/').some((s) => s === '' || s === '.' || s === '..') ||
    key.includes('\\') ||
    key.includes('\0')
  ) {
    const err = new Error(`not an archive key: ${JSON.stringify(key)}`) as Error & {
      code: string;
      retryable: boolean;
    };
    err.code = STORE_CODES.badKey;
    err.retryable = false;
    throw err;
  }
}
