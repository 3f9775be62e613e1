// RFC 4122 version-5 UUIDs and ERB's deterministic statement id scheme, so statements made here
// carry the same ids as those Open edX Aspects stores for the same event.
import { createHash } from 'node:crypto';

/** The RFC 4122 DNS namespace, which ERB uses as its fixed base namespace. */
export const OPENEDX_DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** uuid5(namespace, name): SHA-1 of the namespace bytes followed by the UTF-8 name. */
export function openedxUuid5(namespace: string, name: string): string {
  if (!UUID_RE.test(namespace)) throw new TypeError('namespace must be a UUID');
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(Buffer.from(name, 'utf8')).digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * ERB's statement id: uuid5(uuid5(DNS, verbJson[-childId]), actorJson + '-' + rawTimestamp).
 * `verbJson`/`actorJson` are Python json.dumps renderings (see `pyJsonDumps`); the timestamp is
 * the input string exactly as received. Child statements of a multi-question problem append
 * `-<submission key>` to the inner name so each child gets its own id.
 */
export function openedxStatementId(
  verbJson: string,
  actorJson: string,
  rawTimestamp: string,
  childId?: string,
): string {
  const namespaceKey = childId === undefined ? verbJson : `${verbJson}-${childId}`;
  return openedxUuid5(openedxUuid5(OPENEDX_DNS_NAMESPACE, namespaceKey), `${actorJson}-${rawTimestamp}`);
}
