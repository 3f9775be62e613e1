// RFC 4122 name-based UUIDs (version 5, SHA-1), as Python's uuid.uuid5 computes them.
import { createHash } from 'node:crypto';

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

/** uuid5(namespace, name): SHA-1 of the namespace bytes then the UTF-8 name, version and variant set. */
export function uuid5(namespace: Uint8Array, name: string): string {
  const digest = createHash('sha1').update(namespace).update(name, 'utf8').digest();
  const bytes = digest.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return formatUuid(bytes);
}
