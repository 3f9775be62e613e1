// The few Python behaviours Ralph's edX -> xAPI conversion depends on, applied to parsed JSON values.
// JSON null and a missing key are both Python `None` here (`undefined`).

/** A value parsed from JSON (or undefined for "absent / None"). */
export type PyValue = unknown;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Ralph's `get_dict_value_from_path`: walks dict keys; anything that is not a dict on the way
 * (a list, a string, a number) or a missing key gives None.
 */
export function pyGet(root: unknown, path: readonly string[]): PyValue {
  let current: unknown = root;
  for (const key of path) {
    if (!isPlainObject(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current === null ? undefined : current;
}

/** `pyGet(root, [key])` without the path array (hot path). */
export function pyGet1(root: unknown, key: string): PyValue {
  if (!isPlainObject(root) || !Object.hasOwn(root, key)) return undefined;
  const value = root[key];
  return value === null ? undefined : value;
}

/** `pyGet(root, [outer, inner])` without the path array (hot path). */
export function pyGet2(root: unknown, outer: string, inner: string): PyValue {
  if (!isPlainObject(root) || !Object.hasOwn(root, outer)) return undefined;
  return pyGet1(root[outer], inner);
}

/** Python `==` between JSON values: True == 1, 1 == 1.0, dicts and lists compared deeply. */
export function pyEquals(a: unknown, b: unknown): boolean {
  const na = a === null ? undefined : a;
  const nb = b === null ? undefined : b;
  if (na === undefined || nb === undefined) return na === nb;
  const numA = typeof na === 'boolean' ? Number(na) : na;
  const numB = typeof nb === 'boolean' ? Number(nb) : nb;
  if (typeof numA === 'number' && typeof numB === 'number') return numA === numB;
  if (typeof na === 'string' || typeof nb === 'string') return na === nb;
  if (Array.isArray(na) || Array.isArray(nb)) {
    if (!Array.isArray(na) || !Array.isArray(nb) || na.length !== nb.length) return false;
    return na.every((item, i) => pyEquals(item, nb[i]));
  }
  if (isPlainObject(na) && isPlainObject(nb)) {
    const keys = Object.keys(na);
    if (keys.length !== Object.keys(nb).length) return false;
    return keys.every((k) => Object.hasOwn(nb, k) && pyEquals(na[k], nb[k]));
  }
  return false;
}

/** Ralph keeps a converted value unless it is None, "" or {} (`value not in [None, "", {}]`). */
export function pyIsEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  return isPlainObject(value) && Object.keys(value).length === 0;
}

/** Python truthiness of a JSON value. */
export function pyTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return true;
}

/**
 * Python `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16 up.
 * Integral JSON numbers arrive here only when they were written with a fraction or exponent, which
 * JSON.parse forgets; callers treat integral numbers as Python ints instead.
 */
export function pyFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = value.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const sign = exp < 0 ? '-' : '+';
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  let text: string;
  if (exp >= 0) {
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    const frac = digits.slice(exp + 1);
    text = `${intPart}.${frac || '0'}`;
  } else {
    text = `0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  return negative ? `-${text}` : text;
}

/** Python `str()` of a number parsed from JSON (integral values are taken as ints). */
export function pyNumberStr(value: number): string {
  if (Number.isInteger(value)) return BigInt(value).toString();
  return pyFloatRepr(value);
}

function pyStrRepr(value: string): string {
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    // Approximation of str.isprintable(): control characters and unpaired surrogates are escaped.
    else if (code < 0x20 || (code >= 0x7f && code <= 0xa0) || (code >= 0xd800 && code <= 0xdfff)) {
      out +=
        code <= 0xff
          ? `\\x${code.toString(16).padStart(2, '0')}`
          : `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

/** Python `repr()` of a JSON value, as `str()` shows it inside lists and dicts. */
export function pyRepr(value: unknown): string {
  if (value === undefined || value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return pyNumberStr(value);
  if (typeof value === 'string') return pyStrRepr(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (isPlainObject(value)) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

/** Python `str()` of a JSON value. */
export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

/** Python `str.strip(chars)` / `rstrip(chars)` for a set of single characters. */
export function pyStrip(value: string, chars: string, side: 'both' | 'right' = 'both'): string {
  let start = 0;
  let end = value.length;
  if (side === 'both') while (start < end && chars.includes(value[start]!)) start++;
  while (end > start && chars.includes(value[end - 1]!)) end--;
  return value.slice(start, end);
}
