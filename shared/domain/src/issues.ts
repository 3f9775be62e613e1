/**
 * One problem found in an event or statement. Every validator and converter in the domain
 * reports problems in this shape, so the CLI, the services and the dead-letter topic carry
 * the same fields: a stable code, a human message and where (RFC 6901 JSON pointer).
 */
export interface Issue {
  /** Stable, machine-readable code, e.g. `XAPI_IFI_COUNT`, `EDX_FIELD_UNKNOWN`. */
  code: string;
  /** One sentence for a person. Never contains the offending value when it may be personal data. */
  message: string;
  /** RFC 6901 pointer into the input document ('' is the whole document). */
  pointer: string;
  /** What was expected, when that can be said briefly (a type, a pattern, a list). */
  expected?: string;
  /** What was found: a type or a short description, not the raw value. */
  got?: string;
}

/** Escapes one path segment for an RFC 6901 JSON pointer. */
export function pointerSegment(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Joins path segments into a JSON pointer. */
export function toPointer(segments: ReadonlyArray<string | number>): string {
  return segments.map((s) => '/' + pointerSegment(s)).join('');
}
