// Client secrets are stored hashed only: scrypt (node:crypto, memory-hard) with a per-entry random
// salt, in the self-describing form `scrypt$N$r$p$saltB64$hashB64` so the cost can be raised later
// without invalidating existing entries. Run directly, it prints the hash of a secret read from stdin:
//   printf '%s' "$SECRET" | node services/ingest/dist/hash-secret.js
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** 2^15 x 8 x 1: about 32 MiB and ~100 ms per verification; the verified-result cache absorbs it. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 32768, r: 8, p: 1 };

const SALT_BYTES = 16;
const KEY_BYTES = 32;

export interface ParsedHash extends ScryptParams {
  salt: Buffer;
  hash: Buffer;
}

export class SecretHashError extends Error {
  override readonly name = 'SecretHashError';
  readonly code = 'LRS_ERR_SECRET_HASH';
}

function derive(secret: string, salt: Buffer, keyLength: number, params: ScryptParams): Promise<Buffer> {
  // Node's default maxmem (32 MiB) is just below what N=2^15, r=8 needs (128 * N * r bytes).
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => {
    scrypt(secret.normalize('NFC'), salt, keyLength, options, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashSecret(secret: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  if (secret.length === 0) throw new SecretHashError('The secret is empty.');
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(secret, salt, KEY_BYTES, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export function parseSecretHash(text: string): ParsedHash {
  const parts = text.split('$');
  const [scheme, n, r, p, salt, hash] = parts;
  const ints = [n, r, p].map((v) => Number(v));
  const [N = 0, R = 0, P = 0] = ints;
  if (parts.length !== 6 || scheme !== 'scrypt' || !ints.every((v) => Number.isInteger(v) && v > 0))
    throw new SecretHashError('Expected scrypt$N$r$p$saltB64$hashB64.');
  if ((N & (N - 1)) !== 0 || N < 2) throw new SecretHashError('scrypt N must be a power of two.');
  const parsed = {
    N,
    r: R,
    p: P,
    salt: Buffer.from(salt ?? '', 'base64'),
    hash: Buffer.from(hash ?? '', 'base64'),
  };
  if (parsed.salt.length < 8 || parsed.hash.length < 16)
    throw new SecretHashError('The salt or hash is too short.');
  return parsed;
}

/** Constant-time comparison of a presented secret with a stored hash. */
export async function verifySecret(secret: string, stored: ParsedHash): Promise<boolean> {
  const candidate = await derive(secret, stored.salt, stored.hash.length, stored);
  return timingSafeEqual(candidate, stored.hash);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline is the terminal's, not the secret's.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export async function main(): Promise<void> {
  if (process.stdin.isTTY) process.stderr.write('Type the secret, then Ctrl-D:\n');
  const hash = await hashSecret(await readStdin());
  process.stdout.write(`${hash}\n`);
}

const invokedPath = process.argv[1];
if (invokedPath && import.meta.url === pathToFileURL(realpathSync(invokedPath)).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`hash-secret: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
