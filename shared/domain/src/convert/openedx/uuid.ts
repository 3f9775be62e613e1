// RFC 4122 version-5 UUIDs and ERB's deterministic statement id scheme, so statements made here
// carry the same ids as those Open edX Aspects stores for the same event.
import { hash } from 'node:crypto';

/** The RFC 4122 DNS namespace, which ERB uses as its fixed base namespace. */
export const OPENEDX_DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Hot path (one or two hashes per statement): the namespace bytes and the UTF-8 name are written
// into one reused buffer and hashed with the one-shot `crypto.hash`, several times cheaper than a
// `createHash` object per id. Single-threaded use only (the buffer is module state).
let scratch = Buffer.allocUnsafe(1024);
const text = Buffer.alloc(36);
const VARIANT = '89ab89ab89ab89ab';

/** uuid5 of `name`, or of `name + '-' + suffix` when a suffix is given (written without joining). */
function uuid5FromBytes(namespace: Buffer, name: string, suffix?: string): string {
  // UTF-8 never takes more than 3 bytes per UTF-16 unit.
  const room = 17 + (name.length + (suffix === undefined ? 0 : suffix.length)) * 3;
  if (scratch.length < room) scratch = Buffer.allocUnsafe(room * 2);
  namespace.copy(scratch, 0, 0, 16);
  let length = 16 + scratch.write(name, 16, 'utf8');
  if (suffix !== undefined) {
    scratch[length++] = 0x2d; // '-'
    length += scratch.write(suffix, length, 'utf8');
  }
  const hex = hash('sha1', scratch.subarray(0, length), 'hex');
  // The text is laid out in a small buffer and read back as one flat string: a template of
  // slices would leave a rope of ~14 string objects in every retained statement.
  for (let i = 0, j = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) text[i] = 0x2d;
    else text[i] = hex.charCodeAt(j++);
  }
  // Version 5 in the high nibble of byte 6, RFC 4122 variant (10xx) in the high bits of byte 8.
  text[14] = 0x35;
  text[19] = VARIANT.charCodeAt(parseInt(hex[16] as string, 16));
  return text.toString('latin1', 0, 36);
}

const uuidBytes = (uuid: string): Buffer => Buffer.from(uuid.replace(/-/g, ''), 'hex');
const DNS_BYTES = uuidBytes(OPENEDX_DNS_NAMESPACE);

/** uuid5(namespace, name): SHA-1 of the namespace bytes followed by the UTF-8 name. */
export function openedxUuid5(namespace: string, name: string): string {
  if (!UUID_RE.test(namespace)) throw new TypeError('namespace must be a UUID');
  return uuid5FromBytes(uuidBytes(namespace), name);
}

// The inner namespace depends on the verb only (plus the question key for child statements), so
// it is computed once per verb. Child keys are unbounded: the cache is emptied when it grows.
const namespaces = new Map<string, Buffer>();

function statementNamespace(key: string): Buffer {
  let bytes = namespaces.get(key);
  if (bytes === undefined) {
    bytes = uuidBytes(uuid5FromBytes(DNS_BYTES, key));
    if (namespaces.size >= 4096) namespaces.clear();
    namespaces.set(key, bytes);
  }
  return bytes;
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
  return uuid5FromBytes(statementNamespace(namespaceKey), actorJson, rawTimestamp);
}
