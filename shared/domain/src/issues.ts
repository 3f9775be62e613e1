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

// Property names of the xAPI and edX formats: a pointer may name these; any other object key
// came from the input (an extension IRI, a map key, a misspelt property holding an e-mail).
const FORMAT_KEYS = new Set(
  (
    'id actor verb object result context timestamp stored authority version attachments objectType ' +
    'name mbox mbox_sha1sum openid account homePage member display definition type moreInfo ' +
    'description extensions interactionType correctResponsesPattern choices scale source target ' +
    'steps score scaled raw min max success completion response duration registration instructor ' +
    'team contextActivities parent grouping category other revision platform language statement ' +
    'usageType contentType length sha2 fileUrl event event_type event_source username time page ip ' +
    'agent host session referer accept_language course_id org_id user_id path module data context ' +
    'course_user_tags application enterprise_uuid name_space label'
  ).split(' '),
);

function unescapeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * A JSON pointer that carries no object key or value of the input: array indexes and format
 * property names stay; any other key becomes `#<its position among the object's keys>` (or `#`
 * when the input has no such key). Dead letters and logs use this form.
 */
export function safePointer(document: unknown, pointer: string): string {
  if (pointer === '') return '';
  const segments = pointer.split('/').slice(1).map(unescapeSegment);
  const out: string[] = [];
  let node: unknown = document;
  for (const segment of segments) {
    if (Array.isArray(node)) {
      out.push(/^\d{1,9}$/.test(segment) ? segment : '#');
      node = /^\d{1,9}$/.test(segment) ? node[Number(segment)] : undefined;
    } else if (node !== null && typeof node === 'object') {
      const keys = Object.keys(node);
      const index = keys.indexOf(segment);
      out.push(FORMAT_KEYS.has(segment) ? segment : index >= 0 ? `#${index}` : '#');
      node = (node as Record<string, unknown>)[segment];
    } else {
      out.push(FORMAT_KEYS.has(segment) ? segment : '#');
      node = undefined;
    }
  }
  return toPointer(out);
}
