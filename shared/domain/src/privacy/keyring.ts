// Pseudonymisation keys have ids. A key ring holds several (old ones are kept to answer subject
// access requests on older data, or deleted to make old pseudonyms unlinkable forever) and names
// the one in use. Only the id is ever recorded with a statement, never the key.
import type { PseudonymKey } from './pseudonymize.js';

export interface KeyRing {
  active: PseudonymKey;
  keys: ReadonlyMap<string, PseudonymKey>;
}

export class KeyRingError extends Error {
  override readonly name = 'KeyRingError';
  readonly code = 'LRS_ERR_KEYRING';
}

export const MIN_SECRET_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Checks one key; the message never contains the secret. */
export function makeKey(id: string, secret: Buffer, source: string): PseudonymKey {
  if (!KEY_ID.test(id)) throw new KeyRingError(`${source}: key id "${id}" must match ${String(KEY_ID)}`);
  if (secret.length < MIN_SECRET_BYTES)
    throw new KeyRingError(`${source}: key "${id}" is shorter than ${MIN_SECRET_BYTES} bytes`);
  return { id, secret };
}

/**
 * Key ring file: `{"active": "k2", "keys": {"k1": "<secret>", "k2": "<secret>"}}`. Secrets are
 * strings of at least 16 bytes (e.g. 64 hex characters from `openssl rand -hex 32`).
 */
export function parseKeyRing(text: string, source = 'key ring'): KeyRing {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    // The parser's message may quote the file, that is the secrets: say only where.
    throw new KeyRingError(`${source}: not JSON`);
  }
  const ring = input as { active?: unknown; keys?: unknown };
  if (!ring || typeof ring !== 'object' || typeof ring.keys !== 'object' || ring.keys === null)
    throw new KeyRingError(`${source}: expected {"active": "<id>", "keys": {"<id>": "<secret>", ...}}`);
  const keys = new Map<string, PseudonymKey>();
  for (const [id, secret] of Object.entries(ring.keys as Record<string, unknown>)) {
    if (typeof secret !== 'string') throw new KeyRingError(`${source}: key "${id}" is not a string`);
    keys.set(id, makeKey(id, Buffer.from(secret.trim()), source));
  }
  if (typeof ring.active !== 'string') throw new KeyRingError(`${source}: "active" must name a key id`);
  const active = keys.get(ring.active);
  if (!active) throw new KeyRingError(`${source}: active key "${ring.active}" is not in the ring`);
  return { active, keys };
}
