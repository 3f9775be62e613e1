// Field access with ERB's `get_data` semantics. ERB reads a dotted key as an exact path, and a
// plain key as "first match anywhere in the event" (depth-first, in key order, only through
// objects). Empty values ('' , [], {}) count as absent; 0 and false do not. Several mappings
// depend on this search (e.g. `session`, `referer`, `submission`), so it is reproduced as is.
import type { Issue } from '../../issues.js';
import { toPointer } from '../../issues.js';
import { isPlainObject, pyTruthy } from './python.js';

/** Thrown inside a converter when ERB would raise: the event yields no statement. */
export class OpenedxConversionError extends Error {
  constructor(readonly issue: Issue) {
    super(issue.message);
  }
}

function findNested(source: Record<string, unknown>, key: string): unknown {
  if (Object.prototype.hasOwnProperty.call(source, key)) return source[key];
  for (const value of Object.values(source)) {
    if (isPlainObject(value)) {
      const found = findNested(value, key);
      if (found !== null && found !== undefined) return found;
    }
  }
  return undefined;
}

function dottedPath(source: unknown, key: string): unknown {
  let current: unknown = source;
  for (const part of key.split('.')) {
    if (!isPlainObject(current) || !Object.prototype.hasOwnProperty.call(current, part)) return undefined;
    current = current[part];
  }
  return current;
}

/** Kind name for issue messages (never the value itself). */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export class EventReader {
  constructor(readonly event: Record<string, unknown>) {}

  /** ERB `get_data(key)`: the value, or undefined when absent or empty. */
  get(key: string): unknown {
    const value = key.includes('.') ? dottedPath(this.event, key) : findNested(this.event, key);
    if (value === null || value === undefined) return undefined;
    if (value !== 0 && value !== false && !pyTruthy(value)) return undefined;
    return value;
  }

  /** ERB `get_data(key, required=True)`: raises (here: a conversion error) when absent. */
  require(key: string): unknown {
    const value = this.get(key);
    if (value === undefined) {
      throw new OpenedxConversionError({
        code: 'OPENEDX_FIELD_MISSING',
        message: `Required field "${key}" is missing or empty.`,
        pointer: toPointer(key.split('.')),
        expected: 'a non-empty value',
        got: 'absent or empty',
      });
    }
    return value;
  }

  /** A field that must be a string when present. */
  string(key: string, required = false): string | undefined {
    const value = required ? this.require(key) : this.get(key);
    if (value === undefined) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
    throw typeError(key, 'string', value);
  }
}

export function typeError(key: string, expected: string, value: unknown): OpenedxConversionError {
  return new OpenedxConversionError({
    code: 'OPENEDX_FIELD_TYPE',
    message: `Field "${key}" has the wrong type.`,
    pointer: toPointer(key.split('.')),
    expected,
    got: jsonKind(value),
  });
}
