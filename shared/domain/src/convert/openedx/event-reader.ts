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

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function findNested(source: Record<string, unknown>, key: string): unknown {
  if (hasOwn(source, key)) return source[key];
  // for-in with an own-key check visits what Object.values would, without the array.
  for (const k in source) {
    if (!hasOwn(source, k)) continue;
    const value = source[k];
    if (isPlainObject(value)) {
      const found = findNested(value, key);
      if (found !== null && found !== undefined) return found;
    }
  }
  return undefined;
}

/** Follows `parts` from index `from` (members must be own members of plain objects). */
function dottedPath(source: unknown, parts: readonly string[], from: number): unknown {
  let current: unknown = source;
  for (let i = from; i < parts.length; i++) {
    const part = parts[i] as string;
    if (!isPlainObject(current) || !hasOwn(current, part)) return undefined;
    current = current[part];
  }
  return current;
}

// Keys come from the mapping code (a fixed set), so each is split once; null marks a plain key.
const compiledKeys = new Map<string, readonly string[] | null>();

function compileKey(key: string): readonly string[] | null {
  let parts = compiledKeys.get(key);
  if (parts === undefined) {
    parts = key.includes('.') ? key.split('.') : null;
    if (compiledKeys.size < 1024) compiledKeys.set(key, parts);
  }
  return parts;
}

/** Kind name for issue messages (never the value itself). */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Members the converter sets on top of the raw event (ERB's view of a tracking-log line): `name`
 * (from event_type), `data` (the decoded `event`) and `timestamp` (from `time`). Reading through
 * this overlay gives what reading a patched copy `{ ...raw, name, data, timestamp }` gives — same
 * values, same key order for the nested search — without copying the event.
 */
export interface EventOverlay {
  /** Set when `name` is set (raw.name is undefined and event_type is a string). */
  readonly name: string | undefined;
  readonly hasData: boolean;
  readonly data: unknown;
  readonly hasTimestamp: boolean;
  readonly timestamp: unknown;
}

export const NO_OVERLAY: EventOverlay = {
  name: undefined,
  hasData: false,
  data: undefined,
  hasTimestamp: false,
  timestamp: undefined,
};

export class EventReader {
  constructor(
    readonly raw: Record<string, unknown>,
    private readonly overlay: EventOverlay = NO_OVERLAY,
  ) {}

  /** The patched event's own member `key` as is (no search, no emptiness rule), or undefined. */
  top(key: string): unknown {
    const o = this.overlay;
    if (key === 'name' && o.name !== undefined) return o.name;
    if (key === 'data' && o.hasData) return o.data;
    if (key === 'timestamp' && o.hasTimestamp) return o.timestamp;
    return hasOwn(this.raw, key) ? this.raw[key] : undefined;
  }

  /** findNested over the patched event: its own members first, then depth-first in key order. */
  private search(key: string): unknown {
    const o = this.overlay;
    const raw = this.raw;
    if (
      hasOwn(raw, key) ||
      (key === 'name' && o.name !== undefined) ||
      (key === 'data' && o.hasData) ||
      (key === 'timestamp' && o.hasTimestamp)
    ) {
      return this.top(key);
    }
    for (const k in raw) {
      if (!hasOwn(raw, k)) continue;
      // A raw `name: undefined` member is overwritten in place; other overlay members are appended.
      const value = k === 'name' && o.name !== undefined ? o.name : raw[k];
      if (isPlainObject(value)) {
        const found = findNested(value, key);
        if (found !== null && found !== undefined) return found;
      }
    }
    // Appended members, in the order they are set: name (a string: nothing to search), data, timestamp.
    if (o.hasData && isPlainObject(o.data)) {
      const found = findNested(o.data, key);
      if (found !== null && found !== undefined) return found;
    }
    if (o.hasTimestamp && isPlainObject(o.timestamp)) {
      const found = findNested(o.timestamp, key);
      if (found !== null && found !== undefined) return found;
    }
    return undefined;
  }

  /** ERB `get_data(key)`: the value, or undefined when absent or empty. */
  get(key: string): unknown {
    const parts = compileKey(key);
    const value = parts === null ? this.search(key) : dottedPath(this.top(parts[0] as string), parts, 1);
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
