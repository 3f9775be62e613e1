// Small re-creations of the Python behaviours that shape ERB's output: truthiness, str()/repr(),
// json.dumps with its default separators, datetime.isoformat(), the TinCan duration format and
// ERB's three-decimal float rounding. Statement ids hash JSON text, so these must be exact.

/** Python truthiness for JSON values (0, '', [], {}, null and false are falsy). */
export function pyTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return hasOwnKey(value);
  return true;
}

/** Whether an object has at least one own enumerable key (without listing them all). */
function hasOwnKey(value: Record<string, unknown>): boolean {
  for (const k in value) if (Object.prototype.hasOwnProperty.call(value, k)) return true;
  return false;
}

/** Python `a or b`. */
export function pyOr<T, U>(a: T, b: U): T | U {
  return pyTruthy(a) ? a : b;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Python renders whole floats with ".0"; after JSON.parse we cannot tell 3 from 3.0, so integers
// print as ints. Non-integers use JS shortest round-trip, which matches Python's repr except for
// exponent spelling (1e-05 vs 1e-5), which does not occur in edX payloads.
function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  return String(n);
}

function hex4(code: number): string {
  return '\\u' + code.toString(16).padStart(4, '0');
}

/** A JSON string literal as Python's json.dumps writes it. */
export function pyJsonString(s: string, ensureAscii: boolean): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i] as string;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20) out += hex4(c);
    // With ensure_ascii everything outside printable ASCII is escaped, UTF-16 unit by unit.
    else if (ensureAscii && c > 0x7e) out += hex4(c);
    else out += ch;
  }
  return out + '"';
}

/** Python `json.dumps(value, ensure_ascii=...)` with the default `', '` and `': '` separators. */
export function pyJsonDumps(value: unknown, ensureAscii = true): string {
  if (value === null || value === undefined) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'string') return pyJsonString(value, ensureAscii);
  if (Array.isArray(value)) return '[' + value.map((v) => pyJsonDumps(v, ensureAscii)).join(', ') + ']';
  if (isPlainObject(value)) {
    const parts = Object.entries(value).map(
      ([k, v]) => pyJsonString(k, ensureAscii) + ': ' + pyJsonDumps(v, ensureAscii),
    );
    return '{' + parts.join(', ') + '}';
  }
  return pyJsonString(String(value), ensureAscii);
}

function pyReprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + quote;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** Python `repr()` of a JSON value (dicts and lists print their items with repr). */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'string') return pyReprString(value);
  if (Array.isArray(value)) return '[' + value.map(pyRepr).join(', ') + ']';
  if (isPlainObject(value)) {
    return (
      '{' +
      Object.entries(value)
        .map(([k, v]) => `${pyReprString(k)}: ${pyRepr(v)}`)
        .join(', ') +
      '}'
    );
  }
  return pyReprString(String(value));
}

/** Python `str()` of a JSON value. */
export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

/** Python `float(x)` for a JSON value, or undefined where Python would raise. */
export function pyFloat(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)) {
    return Number(value);
  }
  return undefined;
}

/**
 * ERB's `convert_seconds_to_float`: `float('{0:.3f}'.format(float(x)))`, None for empty values.
 * Returns null for "absent" and undefined when Python would raise.
 */
export function secondsToFloat(value: unknown): number | null | undefined {
  if (value === null || value === undefined || (value !== 0 && value !== false && !pyTruthy(value))) {
    return null;
  }
  const f = pyFloat(value);
  if (f === undefined) return undefined;
  return round3(f);
}

// Python's format() rounds exact binary ties to even; toFixed rounds them up. Ties at three
// decimals are exactly the odd multiples of 0.0005 that are also multiples of 1/16.
function round3(x: number): number {
  const k = x * 2000;
  if (Number.isInteger(x * 16) && Number.isInteger(k) && Math.abs(k % 2) === 1) {
    const lower = (k - 1) / 2;
    const even = lower % 2 === 0 ? lower : lower + 1;
    return even / 1000;
  }
  return Number(x.toFixed(3));
}

/** TinCan's `jsonify_timedelta(timedelta(seconds=x))`, e.g. 195 -> "PT03M15S". */
export function pyDurationIso(seconds: number): string {
  // timedelta keeps whole microseconds (round half to even).
  const micros = roundHalfEven(seconds * 1e6);
  let total = micros / 1e6;
  const days = Math.floor(total / 86400);
  total -= days * 86400;
  const hours = Math.floor(total / 3600);
  total -= hours * 3600;
  const minutes = Math.floor(total / 60);
  const secs = Math.round((total - minutes * 60) * 1e6) / 1e6;
  let out = 'P' + (days ? `${days}D` : '') + 'T';
  const hasHours = days !== 0 || hours !== 0;
  if (hasHours) out += String(hours).padStart(2, '0') + 'H';
  if (hasHours || minutes !== 0) out += String(minutes).padStart(2, '0') + 'M';
  if (Number.isInteger(secs)) out += String(secs).padStart(2, '0');
  else out += secs.toFixed(6).padStart(9, '0').replace(/0+$/, '');
  return out + 'S';
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Days in a month of the proleptic Gregorian calendar (as Date uses). */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const digitAt = (s: string, i: number): number => {
  const c = s.charCodeAt(i) - 0x30;
  return c >= 0 && c <= 9 ? c : NaN;
};
const twoDigits = (s: string, i: number): number => digitAt(s, i) * 10 + digitAt(s, i + 1);

/**
 * The form Open edX writes, `YYYY-MM-DDTHH:MM:SS.ffffff+HH:MM`, valid and already what
 * pyIsoTimestamp returns for it (fraction not all zeros, offset not -00:00): checked without the
 * regular expression. Anything else (false) takes the general path.
 */
function isCanonicalMicros(s: string): boolean {
  if (s.length !== 32) return false;
  const c = (i: number): number => s.charCodeAt(i);
  if (c(4) !== 0x2d || c(7) !== 0x2d || c(10) !== 0x54 || c(13) !== 0x3a || c(16) !== 0x3a) return false;
  if (c(19) !== 0x2e || (c(26) !== 0x2b && c(26) !== 0x2d) || c(29) !== 0x3a) return false;
  const year = twoDigits(s, 0) * 100 + twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  const offH = twoDigits(s, 27);
  const offM = twoDigits(s, 30);
  let micros = 0;
  for (let i = 20; i < 26; i++) micros = micros * 10 + digitAt(s, i);
  // NaN (a non-digit) fails every comparison below.
  return (
    year >= 100 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    twoDigits(s, 11) <= 23 &&
    twoDigits(s, 14) <= 59 &&
    twoDigits(s, 17) <= 59 &&
    micros > 0 &&
    offH <= 23 &&
    offM <= 59 &&
    (c(26) === 0x2b || offH !== 0 || offM !== 0)
  );
}

const ISO_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)$/;

/**
 * What TinCan stores for a statement timestamp: the ISO 8601 string parsed to an aware
 * datetime and printed with `isoformat()` (microseconds only when non-zero, `+00:00` for Z).
 * Undefined when Python would reject it (not ISO 8601, or no timezone).
 */
export function pyIsoTimestamp(raw: string): string | undefined {
  if (isCanonicalMicros(raw)) return raw;
  const m = ISO_DATETIME.exec(raw);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '00', frac, tz = ''] = m;
  // What `new Date(Date.UTC(...))` round-tripping checked, without a Date: every field in range
  // (Date.UTC reads years below 100 as 19xx, so those never round-tripped either).
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (
    year < 100 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    return undefined;
  }
  const micro = (frac ?? '').slice(0, 6).padEnd(6, '0');
  let offset = '+00:00';
  if (tz !== 'Z') {
    const digits = tz.slice(1).replace(':', '');
    const hh = digits.slice(0, 2);
    const mm = digits.slice(2, 4) || '00';
    if (Number(hh) > 23 || Number(mm) > 59) return undefined;
    offset = Number(hh) === 0 && Number(mm) === 0 ? '+00:00' : `${tz[0]}${hh}:${mm}`;
  }
  // Usually the input is already in the output form (seconds, six non-zero fraction digits after
  // a '.', the offset as isoformat writes it): then the input itself is the result, one flat
  // string instead of a rope that would live as long as the statement.
  if (
    m[6] !== undefined &&
    offset === tz &&
    (frac === undefined || (frac.length === 6 && frac !== '000000' && raw.charCodeAt(19) === 0x2e))
  ) {
    return raw;
  }
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${micro === '000000' ? '' : '.' + micro}${offset}`;
}
