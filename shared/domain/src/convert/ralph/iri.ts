// RFC 3987 `IRI` rule (absolute IRI with optional fragment), written from the RFC's ABNF.
// Ralph checks object ids and the account home page with this rule. Two details follow Ralph's
// checker rather than the RFC text: the `v` of IPvFuture is lower case only, and one trailing
// "\n" is tolerated (Python's `$` anchor matches before a final newline).

const UCSCHAR =
  '\\u00A0-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFEF' +
  '\\u{10000}-\\u{1FFFD}\\u{20000}-\\u{2FFFD}\\u{30000}-\\u{3FFFD}\\u{40000}-\\u{4FFFD}' +
  '\\u{50000}-\\u{5FFFD}\\u{60000}-\\u{6FFFD}\\u{70000}-\\u{7FFFD}\\u{80000}-\\u{8FFFD}' +
  '\\u{90000}-\\u{9FFFD}\\u{A0000}-\\u{AFFFD}\\u{B0000}-\\u{BFFFD}\\u{C0000}-\\u{CFFFD}' +
  '\\u{D0000}-\\u{DFFFD}\\u{E1000}-\\u{EFFFD}';
const IPRIVATE = '\\uE000-\\uF8FF\\u{F0000}-\\u{FFFFD}\\u{100000}-\\u{10FFFD}';
const UNRESERVED = 'A-Za-z0-9._~\\-';
const SUB_DELIMS = "!$&'()*+,;=";
const PCT = '%[0-9A-Fa-f]{2}';

const IUNRESERVED_CLASS = `${UNRESERVED}${UCSCHAR}`;
/** One ipchar: iunreserved / pct-encoded / sub-delims / ":" / "@". */
const IPCHAR = `(?:[${IUNRESERVED_CLASS}${SUB_DELIMS}:@]|${PCT})`;
const ISEGMENT = `${IPCHAR}*`;
const ISEGMENT_NZ = `${IPCHAR}+`;

const DEC_OCTET = '(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)';
const IPV4 = `(?:${DEC_OCTET}\\.){3}${DEC_OCTET}`;
const H16 = '[0-9A-Fa-f]{1,4}';
const LS32 = `(?:${H16}:${H16}|${IPV4})`;
const IPV6 =
  '(?:' +
  [
    `(?:${H16}:){6}${LS32}`,
    `::(?:${H16}:){5}${LS32}`,
    `(?:${H16})?::(?:${H16}:){4}${LS32}`,
    `(?:(?:${H16}:){0,1}${H16})?::(?:${H16}:){3}${LS32}`,
    `(?:(?:${H16}:){0,2}${H16})?::(?:${H16}:){2}${LS32}`,
    `(?:(?:${H16}:){0,3}${H16})?::${H16}:${LS32}`,
    `(?:(?:${H16}:){0,4}${H16})?::${LS32}`,
    `(?:(?:${H16}:){0,5}${H16})?::${H16}`,
    `(?:(?:${H16}:){0,6}${H16})?::`,
  ].join('|') +
  ')';
const IPVFUTURE = `v[0-9A-Fa-f]+\\.[${UNRESERVED}${SUB_DELIMS}:]+`;
const IP_LITERAL = `\\[(?:${IPV6}|${IPVFUTURE})\\]`;
const IREG_NAME = `(?:[${IUNRESERVED_CLASS}${SUB_DELIMS}]|${PCT})*`;
const IHOST = `(?:${IP_LITERAL}|${IPV4}|${IREG_NAME})`;
const IUSERINFO = `(?:[${IUNRESERVED_CLASS}${SUB_DELIMS}:]|${PCT})*`;
const IAUTHORITY = `(?:${IUSERINFO}@)?${IHOST}(?::[0-9]*)?`;
const IHIER_PART =
  `(?://${IAUTHORITY}(?:/${ISEGMENT})*` +
  `|/(?:${ISEGMENT_NZ}(?:/${ISEGMENT})*)?` +
  `|${ISEGMENT_NZ}(?:/${ISEGMENT})*` +
  '|)';
const IQUERY = `(?:${IPCHAR}|[${IPRIVATE}/?])*`;
const IFRAGMENT = `(?:${IPCHAR}|[/?])*`;
const SCHEME = '[A-Za-z][A-Za-z0-9+.\\-]*';

const IRI_RE = new RegExp(`^${SCHEME}:${IHIER_PART}(?:\\?${IQUERY})?(?:#${IFRAGMENT})?\\n?$`, 'u');

/** True when `value` is an absolute IRI (RFC 3987 `IRI` rule) as Ralph's validator accepts it. */
export function isRalphIri(value: string): boolean {
  return IRI_RE.test(value);
}

// Fast path for object ids built by appending to the platform URL. A valid IRI that does not end
// with ":" (the empty-path case) stays valid when "/" and ASCII ipchar characters other than "%"
// are appended: they extend its last path segment list, its query or its fragment, all of which
// accept them. Anything else goes through the full rule.
const SAFE_AFTER_SLASH = new Uint8Array(128);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-!$&'()*+,;=:@/") {
  SAFE_AFTER_SLASH[ch.charCodeAt(0)] = 1;
}

/** True when `base` can serve as the prefix of `isRalphIriUnder`. */
export function isRalphIriBase(base: string): boolean {
  return isRalphIri(base) && !base.includes('\n') && !base.endsWith(':');
}

/**
 * Same answer as `isRalphIri(value)`, cheaper when `value` is `base` + "/" + common characters.
 * `base` must satisfy `isRalphIriBase`.
 */
export function isRalphIriUnder(base: string, value: string): boolean {
  const n = base.length;
  if (value.length <= n || value.charCodeAt(n) !== 47 || !value.startsWith(base)) return isRalphIri(value);
  for (let i = n + 1; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128 || SAFE_AFTER_SLASH[c] === 0) return isRalphIri(value);
  }
  return true;
}
