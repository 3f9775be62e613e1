// RFC 4122 name-based UUIDs (version 5, SHA-1), as Python's uuid.uuid5 computes them.
import { hash } from 'node:crypto';

const HEX32 = /^[0-9a-fA-F]{32}$/;

/**
 * Parses a UUID the way Python's `uuid.UUID(text)` does, which is how Ralph reads its
 * `--uuid-namespace`: `urn:` and `uuid:` are removed, braces stripped from both ends, every dash
 * dropped, and 32 hex digits must remain. Returns the 16 bytes, or undefined when invalid.
 */
export function ralphParseNamespace(text: string): Buffer | undefined {
  let hex = text.replaceAll('urn:', '').replaceAll('uuid:', '');
  hex = hex.replace(/^[{}]+/, '').replace(/[{}]+$/, '');
  hex = hex.replaceAll('-', '');
  return HEX32.test(hex) ? Buffer.from(hex, 'hex') : undefined;
}

/** Formats 16 bytes as a lower-case hyphenated UUID. */
export function formatUuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

// Hot path (one id per statement, the name being the whole raw line): namespace and UTF-8 name go
// into one reused buffer hashed with the one-shot `crypto.hash`, much cheaper than a `createHash`
// object per id. Single-threaded use only (the buffers are module state).
let scratch = Buffer.allocUnsafe(4096);
const text = Buffer.alloc(36);
/** Hex digit of the variant byte's high nibble (10xx) for each original high nibble. */
const VARIANT = '89ab89ab89ab89ab';

/** uuid5(namespace, name): SHA-1 of the namespace bytes then the UTF-8 name, version and variant set. */
export function uuid5(namespace: Uint8Array, name: string): string {
  // UTF-8 never takes more than 3 bytes per UTF-16 unit.
  const start = namespace.length;
  const room = start + name.length * 3;
  if (scratch.length < room) scratch = Buffer.allocUnsafe(room * 2);
  scratch.set(namespace, 0);
  const length = start + scratch.write(name, start, 'utf8');
  const hex = hash('sha1', scratch.subarray(0, length), 'hex');
  // Laid out in a small buffer and read back as one flat string (a template of slices would
  // leave a rope of string pieces in every retained statement).
  for (let i = 0, j = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) text[i] = 0x2d;
    else text[i] = hex.charCodeAt(j++);
  }
  // Version 5 in the high nibble of byte 6, RFC 4122 variant in the high bits of byte 8.
  text[14] = 0x35;
  text[19] = VARIANT.charCodeAt(parseInt(hex[16]!, 16));
  return text.toString('latin1', 0, 36);
}
