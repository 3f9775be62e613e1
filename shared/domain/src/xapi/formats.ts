/**
 * String formats used by xAPI 1.0.3 (Data §2.2, §4.2, §4.4–4.6): IRIs, mailto IRIs, UUIDs, ISO 8601
 * timestamps and durations, RFC 5646 language tags, media types. Hand-written checks: they run on every
 * statement of the stream, so they avoid allocation and cache the few repetitive ones (language tags).
 */

// RFC 3986 scheme, then at least one character; no whitespace, controls or the characters RFC 3987
// excludes from IRIs. A best-effort check, which the spec allows (Data §2.2, "best-effort validation").
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be refused
const IRI_RE = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`\u0000-\u001f\u007f-\u009f]+$/;

/** An absolute IRI (IRIs and IRLs share this check: an IRL is an IRI meant to be resolvable). */
export function isXapiIri(value: string): boolean {
  return IRI_RE.test(value);
}

// mailto: then one address: a local part and a domain, no second '@', no whitespace, no query.
const MAILTO_RE = /^mailto:[^\s@<>()[\]\\,;:"?]+@[^\s@<>()[\]\\,;:"?/]+$/;

/** The `mbox` form: `mailto:` followed by a single email address. */
export function isXapiMailto(value: string): boolean {
  return MAILTO_RE.test(value);
}

const SHA1_RE = /^[0-9a-fA-F]{40}$/;

/** Hex-encoded SHA-1 (the `mbox_sha1sum` IFI). */
export function isXapiSha1Hex(value: string): boolean {
  return SHA1_RE.test(value);
}

const SHA2_RE = /^(?:[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128})$/;

/** Hex-encoded SHA-2 digest (224, 256, 384 or 512 bits), as attachments carry in `sha2`. */
export function isXapiSha2Hex(value: string): boolean {
  return SHA2_RE.test(value);
}

// Standard string form; any version and any variant (Data §4.4 only recommends variant 2).
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** A UUID in the standard 8-4-4-4-12 hex form, any case, any version or variant. */
export function isXapiUuid(value: string): boolean {
  return UUID_RE.test(value);
}

// ISO 8601 extended-format date and time; seconds and fraction optional; zone optional (SHOULD in
// Data §4.5). Field ranges are checked after the match.
const TIMESTAMP_RE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** An ISO 8601 combined date and time with valid field ranges; negative-zero offsets are rejected. */
export function isXapiTimestamp(value: string): boolean {
  const m = TIMESTAMP_RE.exec(value);
  if (m === null) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1) return false;
  const maxDay = DAYS_IN_MONTH[month - 1] ?? 0;
  if (day > maxDay) return false;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return false;
  // 24:00 is ISO 8601's end of day; 60 allows a leap second.
  if (hour > 24 || minute > 59 || second > 60) return false;
  if (hour === 24 && (minute !== 0 || second !== 0)) return false;
  if (m[8] !== undefined) {
    const offH = Number(m[9]);
    const offM = m[10] === undefined ? 0 : Number(m[10]);
    if (offH > 23 || offM > 59) return false;
    // ISO 8601 forbids "-00:00"; RFC 3339 uses it for "unknown offset". The ADL suite rejects it.
    if (m[8] === '-' && offH === 0 && offM === 0) return false;
  }
  return true;
}

// ISO 8601:2004 §4.4.3.2 format with designators: PnW alone, or PnYnMnDTnHnMnS with at least one
// component, and a component after T. The decimal fraction is checked separately.
const NUM = '\\d+(?:[.,]\\d+)?';
const DURATION_RE = new RegExp(
  `^P(?:${NUM}W|(?=\\d|T\\d)(?:${NUM}Y)?(?:${NUM}M)?(?:${NUM}D)?(?:T(?=\\d)(?:${NUM}H)?(?:${NUM}M)?(?:${NUM}S)?)?)$`,
);
const FRACTION_RE = /[.,]/g;
const FRACTION_LAST_RE = /[.,]\d+[WYMDHS]$/;

/** An ISO 8601 duration in the designator format; only the last component may carry a fraction. */
export function isXapiDuration(value: string): boolean {
  if (!DURATION_RE.test(value)) return false;
  const fractions = value.match(FRACTION_RE);
  if (fractions === null) return true;
  return fractions.length === 1 && FRACTION_LAST_RE.test(value);
}

// RFC 5646 §2.1 ABNF, as one case-insensitive expression (well-formedness), plus the §2.2.5/§2.2.6
// validity rules that a regular expression cannot express (no repeated variant or singleton).
const LANGTAG_RE = new RegExp(
  '^(?:' +
    '(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})' + // language, extlang
    '(?:-[a-z]{4})?' + // script
    '(?:-(?:[a-z]{2}|\\d{3}))?' + // region
    '((?:-(?:[a-z\\d]{5,8}|\\d[a-z\\d]{3}))*)' + // variants (captured)
    '((?:-[\\da-wyz](?:-[a-z\\d]{2,8})+)*)' + // extensions (captured)
    '(?:-x(?:-[a-z\\d]{1,8})+)?' + // private use
    '|x(?:-[a-z\\d]{1,8})+' + // private use only
    ')$',
  'i',
);

const GRANDFATHERED = new Set(
  [
    'en-GB-oed',
    'i-ami',
    'i-bnn',
    'i-default',
    'i-enochian',
    'i-hak',
    'i-klingon',
    'i-lux',
    'i-mingo',
    'i-navajo',
    'i-pwn',
    'i-tao',
    'i-tay',
    'i-tsu',
    'sgn-BE-FR',
    'sgn-BE-NL',
    'sgn-CH-DE',
    'art-lojban',
    'cel-gaulish',
    'no-bok',
    'no-nyn',
    'zh-guoyu',
    'zh-hakka',
    'zh-min',
    'zh-min-nan',
    'zh-xiang',
  ].map((t) => t.toLowerCase()),
);

function hasRepeat(parts: string[]): boolean {
  for (let i = 0; i < parts.length; i++) {
    for (let j = i + 1; j < parts.length; j++) if (parts[i] === parts[j]) return true;
  }
  return false;
}

function checkLanguageTag(tag: string): boolean {
  if (GRANDFATHERED.has(tag.toLowerCase())) return true;
  const m = LANGTAG_RE.exec(tag);
  if (m === null) return false;
  const variants = m[1];
  if (variants) {
    const list = variants.slice(1).toLowerCase().split('-');
    if (hasRepeat(list)) return false;
  }
  const extensions = m[2];
  if (extensions) {
    const singletons: string[] = [];
    for (const part of extensions.slice(1).toLowerCase().split('-'))
      if (part.length === 1) singletons.push(part);
    if (hasRepeat(singletons)) return false;
  }
  return true;
}

// Tags repeat across a stream (en, en-US, fr...), so verdicts are memoised; the cap bounds memory
// when a producer sends garbage keys.
const LANG_CACHE = new Map<string, boolean>();
const LANG_CACHE_MAX = 4096;

/** An RFC 5646 language tag: well-formed, with no repeated variant or extension singleton. */
export function isXapiLanguageTag(tag: string): boolean {
  const cached = LANG_CACHE.get(tag);
  if (cached !== undefined) return cached;
  const ok = checkLanguageTag(tag);
  if (LANG_CACHE.size >= LANG_CACHE_MAX) LANG_CACHE.clear();
  LANG_CACHE.set(tag, ok);
  return ok;
}

// RFC 2045/6838: type "/" subtype, then optional "; name=value" parameters (token or quoted string).
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_TYPE_RE = new RegExp(
  `^${TOKEN}/${TOKEN}(?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|"(?:[^"\\\\]|\\\\.)*"))*$`,
);

/** An Internet media type such as `text/plain; charset=ascii`. */
export function isXapiMediaType(value: string): boolean {
  return MEDIA_TYPE_RE.test(value);
}

// "1.0" or "1.0.x" (Data §2.4.10).
const VERSION_RE = /^1\.0(?:\.\d+)?$/;

/** A statement `version` this validator accepts: 1.0 or 1.0.x. */
export function isXapiVersion(value: string): boolean {
  return VERSION_RE.test(value);
}
