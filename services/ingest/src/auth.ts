// HTTP Basic authentication against a credentials file of hashed secrets, with per-route scopes.
// Verified credentials are cached briefly (scrypt is slow by design); cache keys are an HMAC under a
// per-process random key, so the cache never holds anything a stolen heap could replay offline cheaply.
// Verifications run with bounded concurrency behind a bounded queue: a flood of wrong passwords gets
// 503 + Retry-After instead of queueing without end, and a cached client never enters the queue.
import { isUtf8 } from 'node:buffer';
import { createHmac, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { IngestHttpError } from './errors.js';
import { hashSecret, parseSecretHash, verifySecret, type ParsedHash } from './hash-secret.js';

export type Scope = 'statements/write' | 'edx/write';

export interface Principal {
  username: string;
  scopes: readonly string[];
}

interface Entry extends Principal {
  hash: ParsedHash;
}

export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
  readonly code = 'LRS_ERR_CREDENTIALS_FILE';
}

/** Parses the credentials file (a JSON list of {username, hash, scopes}); all problems at once. */
export function parseCredentials(text: string, source = 'credentials file'): Entry[] {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch (err) {
    throw new CredentialsError(`${source} is not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(list)) throw new CredentialsError(`${source} must hold a JSON list.`);
  const problems: string[] = [];
  const entries: Entry[] = [];
  const seen = new Set<string>();
  list.forEach((item: unknown, i) => {
    const e = (item ?? {}) as Record<string, unknown>;
    if (typeof e.username !== 'string' || e.username === '' || e.username.includes(':'))
      return problems.push(`entry ${i}: username must be a non-empty string without ":"`);
    if (seen.has(e.username)) return problems.push(`entry ${i}: duplicate username`);
    seen.add(e.username);
    if (!Array.isArray(e.scopes) || !e.scopes.every((s) => typeof s === 'string'))
      return problems.push(`entry ${i}: scopes must be a list of strings`);
    try {
      entries.push({
        username: e.username,
        scopes: e.scopes as string[],
        hash: parseSecretHash(String(e.hash)),
      });
    } catch (err) {
      problems.push(`entry ${i}: hash: ${(err as Error).message}`);
    }
  });
  if (problems.length > 0) throw new CredentialsError(`${source}: ${problems.join('; ')}`);
  return entries;
}

export async function loadCredentials(path: string): Promise<Entry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CredentialsError(`cannot read ${path}: ${(err as Error).message}`);
  }
  return parseCredentials(text, path);
}

export interface Authenticator {
  /** The principal for an Authorization header, or throws 401. */
  authenticate(header: string | undefined): Promise<Principal>;
}

export interface AuthenticatorOptions {
  cacheTtlMs: number;
  cacheMaxEntries?: number;
  /** Concurrent scrypt computations: bounded so bad credentials cannot starve the libuv pool. */
  maxConcurrentVerifications?: number;
  /** Verifications waiting for a slot; one more is refused with 503 (`AUTH_BUSY`). */
  maxQueuedVerifications?: number;
  /** Retry-After of that 503. */
  retryAfterSeconds?: number;
  /** Called whenever the running or queued count changes (the queue-depth gauge). */
  onQueueChange?: (running: number, queued: number) => void;
  now?: () => number;
  /** The scrypt comparison (tests wrap it to count verifications). */
  verify?: typeof verifySecret;
}

const unauthorized = () =>
  new IngestHttpError(401, 'LRS_ERR_UNAUTHORIZED', 'Invalid or missing authentication credentials.', {
    headers: { 'WWW-Authenticate': 'Basic realm="lrstream", charset="UTF-8"' },
  });

export const AUTH_BUSY = 'LRS_ERR_AUTH_BUSY';

const busy = (retryAfterSeconds: number) =>
  new IngestHttpError(503, AUTH_BUSY, 'Too many credential checks in progress; retry later.', {
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });

function decodeBasic(header: string | undefined): { username: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const bytes = Buffer.from(match[1], 'base64');
  // Not UTF-8: decoding would turn distinct byte strings into the same U+FFFD text.
  if (!isUtf8(bytes)) return undefined;
  const decoded = bytes.toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export async function createAuthenticator(
  entries: Entry[],
  options: AuthenticatorOptions,
): Promise<Authenticator> {
  const now = options.now ?? Date.now;
  const verifyFn = options.verify ?? verifySecret;
  const maxEntries = options.cacheMaxEntries ?? 1000;
  const maxRunning = options.maxConcurrentVerifications ?? 2;
  const maxQueued = options.maxQueuedVerifications ?? 32;
  const retryAfterSeconds = options.retryAfterSeconds ?? 1;
  const byName = new Map(entries.map((e) => [e.username, e]));
  // Unknown users still cost one scrypt, so response time does not reveal which usernames exist.
  const params = entries[0]?.hash ?? { N: 16384, r: 8, p: 1 };
  const decoy = parseSecretHash(await hashSecret(randomBytes(16).toString('hex'), params));
  const cacheKey = randomBytes(32);
  const cache = new Map<string, { principal: Principal; expiresAt: number }>();
  const inFlight = new Map<string, Promise<Principal | undefined>>();
  let running = 0;
  const waiting: Array<() => void> = [];
  const changed = () => options.onQueueChange?.(running, waiting.length);

  /** Runs `work` when a slot is free; throws 503 at once when the queue is full. */
  const limited = async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= maxRunning) {
      if (waiting.length >= maxQueued) throw busy(retryAfterSeconds);
      // The slot is handed over by the finishing verification (running stays counted).
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        changed();
      });
    } else {
      running += 1;
      changed();
    }
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
      changed();
    }
  };

  const verify = async (username: string, password: string): Promise<Principal | undefined> => {
    const entry = byName.get(username);
    const ok = await limited(() => verifyFn(password, entry?.hash ?? decoy));
    return ok && entry ? { username: entry.username, scopes: entry.scopes } : undefined;
  };

  return {
    async authenticate(header) {
      const credentials = decodeBasic(header);
      if (!credentials) throw unauthorized();
      const key = createHmac('sha256', cacheKey)
        .update(`${credentials.username}\u0000${credentials.password}`)
        .digest('base64');
      const hit = cache.get(key);
      if (hit && hit.expiresAt > now()) return hit.principal;
      if (hit) cache.delete(key);
      // Single flight: a burst of requests with the same new credentials costs one scrypt.
      let pending = inFlight.get(key);
      if (!pending) {
        pending = verify(credentials.username, credentials.password).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      const principal = await pending;
      if (!principal) throw unauthorized();
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
      cache.set(key, { principal, expiresAt: now() + options.cacheTtlMs });
      return principal;
    },
  };
}

/** Throws 403 unless the principal holds the scope (or `all`, as in Ralph). */
export function requireScope(principal: Principal, scope: Scope): void {
  if (principal.scopes.includes(scope) || principal.scopes.includes('all')) return;
  throw new IngestHttpError(403, 'LRS_ERR_FORBIDDEN', `This client lacks the "${scope}" scope.`);
}
