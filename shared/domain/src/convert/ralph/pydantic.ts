// How Ralph's pydantic models coerce the few value types its edX -> xAPI statements carry
// (datetime, non-negative float, UUID, lax str). Behaviour measured against pydantic 2 as
// installed with ralph-malph 5.1; each function returns undefined when pydantic would reject.
import { pyNumberStr } from './python.js';

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt _](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;
const NUMERIC_TIMESTAMP_RE = /^[+-]?(?:(\d+)\.?\d*|\.\d+)$/;
/** Unix timestamps above this magnitude are read as milliseconds (pydantic's rule). */
const MS_WATERSHED = 2e10;

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function formatDatetime(
  parts: { y: number; mo: number; d: number; h: number; mi: number; s: number; micro: number },
  offsetMinutes: number | undefined,
): string {
  let text = `${pad(parts.y, 4)}-${pad(parts.mo, 2)}-${pad(parts.d, 2)}T${pad(parts.h, 2)}:${pad(parts.mi, 2)}:${pad(parts.s, 2)}`;
  if (parts.micro !== 0) text += `.${pad(parts.micro, 6)}`;
  if (offsetMinutes === undefined) return text;
  if (offsetMinutes === 0) return `${text}Z`;
  const abs = Math.abs(offsetMinutes);
  return `${text}${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
}

function fromTimestamp(timestamp: number): string | undefined {
  if (!Number.isFinite(timestamp)) return undefined;
  const seconds = Math.abs(timestamp) > MS_WATERSHED ? timestamp / 1000 : timestamp;
  let whole = Math.floor(seconds);
  let micro = Math.round((seconds - whole) * 1e6);
  if (micro === 1_000_000) {
    whole += 1;
    micro = 0;
  }
  const date = new Date(whole * 1000);
  const year = date.getUTCFullYear();
  if (Number.isNaN(year) || year < 1 || year > 9999) return undefined;
  return formatDatetime(
    {
      y: year,
      mo: date.getUTCMonth() + 1,
      d: date.getUTCDate(),
      h: date.getUTCHours(),
      mi: date.getUTCMinutes(),
      s: date.getUTCSeconds(),
      micro,
    },
    0,
  );
}

/** Value of the two decimal digits at `i`, or -1. */
function twoDigits(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Regex-free reading of the usual form `YYYY-MM-DDTHH:MM:SS[.fraction][Z|+HH:MM|-HH:MM]`, giving
 * the same result as the general rules below. Returns null for any other shape (the caller then
 * applies the general rules), undefined when the shape is right but a field is out of range.
 */
function usualIsoDatetime(value: string): string | undefined | null {
  const n = value.length;
  if (n < 19 || value[4] !== '-' || value[7] !== '-' || value[10] !== 'T') return null;
  if (value[13] !== ':' || value[16] !== ':') return null;
  const y1 = twoDigits(value, 0);
  const y2 = twoDigits(value, 2);
  const mo = twoDigits(value, 5);
  const d = twoDigits(value, 8);
  const h = twoDigits(value, 11);
  const mi = twoDigits(value, 14);
  const s = twoDigits(value, 17);
  if (y1 < 0 || y2 < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) return null;
  // Fraction: digits after '.' or ','; pydantic keeps the first six (microseconds).
  let i = 19;
  let micro = '';
  if (i < n && (value[i] === '.' || value[i] === ',')) {
    const start = ++i;
    while (i < n && value.charCodeAt(i) >= 48 && value.charCodeAt(i) <= 57) i++;
    if (i === start) return null;
    micro = value.slice(start, Math.min(i, start + 6));
    if (micro.length < 6) micro = micro.padEnd(6, '0');
    if (micro === '000000') micro = '';
  }
  let zone: string;
  if (i === n) zone = '';
  else if (i + 1 === n && (value[i] === 'Z' || value[i] === 'z')) zone = 'Z';
  else if (i + 6 === n && (value[i] === '+' || value[i] === '-') && value[i + 3] === ':') {
    const oh = twoDigits(value, i + 1);
    const om = twoDigits(value, i + 4);
    if (oh < 0 || om < 0) return null;
    if (oh > 23 || om > 59) return undefined;
    zone = oh === 0 && om === 0 ? 'Z' : value.slice(i, n);
  } else return null;
  const y = y1 * 100 + y2;
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const head = value.slice(0, 19);
  return micro === '' ? head + zone : `${head}.${micro}${zone}`;
}

/**
 * A pydantic `datetime` field: ISO 8601 text (date only, minutes or seconds precision, any number
 * of fraction digits truncated to microseconds, `Z` or +HH:MM / +HHMM offsets) or a Unix timestamp
 * (number or numeric text; milliseconds above 2e10). Returns pydantic's JSON rendering: microseconds
 * as 6 digits when not zero, `Z` for a zero offset, nothing for a naive time.
 */
export function ralphDatetime(value: unknown): string | undefined {
  if (typeof value === 'number') return fromTimestamp(value);
  if (typeof value !== 'string') return undefined;
  const fast = usualIsoDatetime(value);
  if (fast !== null) return fast;
  const numeric = NUMERIC_TIMESTAMP_RE.exec(value);
  if (numeric) {
    // pydantic reads the integer part as a 64-bit integer; longer digit runs fall back to a date.
    if ((numeric[1] ?? '').replace(/^0+/, '').length > 18) return undefined;
    return fromTimestamp(Number(value));
  }
  const m = ISO_RE.exec(value);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [h, mi, s] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const micro = m[7] ? Number(m[7].slice(0, 6).padEnd(6, '0')) : 0;
  let offset: number | undefined;
  if (m[8]) offset = 0;
  else if (m[9]) {
    const [oh, om] = [Number(m[10]), Number(m[11])];
    if (oh > 23 || om > 59) return undefined;
    offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return formatDatetime({ y, mo, d, h, mi, s, micro }, offset);
}

const FLOAT_TEXT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const FLOAT_SPECIAL_RE = /^([+-]?)(inf|infinity|nan)$/i;

/**
 * A pydantic `float` in lax mode: numbers, booleans (1.0 / 0.0) and numeric text (trimmed, single
 * underscores between characters allowed, inf / nan spelled out, in any case). NaN is returned as NaN.
 */
export function ralphFloat(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text.startsWith('_') || text.endsWith('_') || text.includes('__')) return undefined;
  const plain = text.replaceAll('_', '');
  const special = FLOAT_SPECIAL_RE.exec(plain);
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  return FLOAT_TEXT_RE.test(plain) ? Number(plain) : undefined;
}

/**
 * A pydantic `NonNegativeFloat` in lax mode (`ralphFloat`, then >= 0). Infinity passes (pydantic
 * then writes JSON null); NaN and negatives fail.
 */
export function ralphNonNegativeFloat(value: unknown): number | undefined {
  const result = ralphFloat(value);
  return result !== undefined && result >= 0 ? result : undefined;
}

const HEX = '[0-9a-fA-F]';
const HYPHENATED = `${HEX}{8}-${HEX}{4}-${HEX}{4}-${HEX}{4}-${HEX}{12}`;
const UUID_RE = new RegExp(`^(?:${HEX}{32}|${HYPHENATED}|\\{${HYPHENATED}\\}|urn:uuid:${HYPHENATED})$`);

/** True when every character is 0-9 or a-f (the usual simple form, which needs no regex). */
function isLowerHex(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** A pydantic `UUID` from text: simple, hyphenated, braced or `urn:uuid:` form; lower-case hyphenated out. */
export function ralphUuid(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length === 32 && isLowerHex(value)) {
    return `${value.slice(0, 8)}-${value.slice(8, 12)}-${value.slice(12, 16)}-${value.slice(16, 20)}-${value.slice(20)}`;
  }
  if (typeof value !== 'string' || !UUID_RE.test(value)) return undefined;
  const hex = value
    .replace(/^urn:uuid:/, '')
    .replace(/[{}-]/g, '')
    .toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A lax pydantic `str` with `coerce_numbers_to_str`: text as is, numbers as Python prints them. */
export function ralphLaxStr(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return pyNumberStr(value);
  return undefined;
}

// String.prototype.isWellFormed (ES2024, in Node 20) is missing from the ES2022 lib we compile against.
const wellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * True when a pydantic `str` field of Ralph's xAPI models takes the text: a lone UTF-16 surrogate
 * (from an escape such as `\ud800` in the input) fails its validation.
 */
export function ralphIsText(text: string): boolean {
  return wellFormed(text);
}

/** A JSON description of a value's type for `Issue.got` (never the value itself). */
export function jsonTypeOf(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
