// URLs in the anonymized zone: an allow-list of path shapes (Open edX course, block and xblock
// routes and static assets; Marsha and Ashley routes). A path that matches no shape is reduced to
// scheme + host + a keyed hash of the path (pages stay distinguishable, the path is not readable);
// query strings, fragments and user info are always removed. Paths are percent-decoded and
// NFC-normalised before they are matched, so an encoded value cannot slip through a shape.
import { keyedHash, keyedUuid, type PseudonymKey } from './pseudonymize.js';

export interface UrlReport {
  query: number;
  /** Paths (or non-HTTP IRIs) that matched no allowed shape and were replaced by a keyed hash. */
  hashedPaths: number;
}

const HTTP_URL = /^(https?):\/\/(?:[^/?#@]*@)?([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/i;

/** Segment types of the allowed shapes. Each is a closed form; none admits free text. */
const TOKEN = {
  // course-v1:ORG+COURSE+RUN (Open edX course key).
  course: /^course-v1:[A-Za-z0-9_.-]+\+[A-Za-z0-9_.-]+\+[A-Za-z0-9_.-]+$/,
  // block-v1:ORG+COURSE+RUN+type@TYPE+block@ID (Open edX usage key).
  block: /^block-v1:[A-Za-z0-9_.-]+\+[A-Za-z0-9_.-]+\+[A-Za-z0-9_.-]+\+type@[a-z_-]+\+block@[A-Za-z0-9_.-]+$/,
  // Hex ids and UUIDs (Open edX url_names and discussion ids, Marsha and Ashley resources).
  id: /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{8,40})$/i,
  // A unit's position in a sequential (courseware/<chapter>/<sequential>/<n>).
  position: /^[0-9]{1,4}$/,
  // A path this module already replaced by its keyed hash (generalising twice changes nothing).
  hashed: /^~[0-9a-f]{24}$/,
};
type Token = keyof typeof TOKEN;

/** One allowed path shape: literal segments and typed variables, matched segment by segment. */
type Shape = readonly (string | { t: Token })[];
const v = (t: Token) => ({ t });

const SHAPES: readonly Shape[] = [
  [],
  // Open edX: course, block and xblock routes (ERB object ids), LMS course pages.
  ['course', v('course')],
  ['xblock', v('block')],
  ['courses', v('course')],
  ['courses', v('course'), 'course'],
  ['courses', v('course'), 'about'],
  ['courses', v('course'), 'info'],
  ['courses', v('course'), 'progress'],
  ['courses', v('course'), 'dates'],
  ['courses', v('course'), 'discussion', 'forum'],
  ['courses', v('course'), 'discussion', 'forum', v('id'), 'threads', v('id')],
  ['courses', v('course'), 'courseware'],
  // Chapter and sequential url_names are kept only as Studio's hex ids: a readable slug is free
  // text (it can be anything, a username included) and goes to the keyed hash with the course kept.
  ['courses', v('course'), 'courseware', v('id')],
  ['courses', v('course'), 'courseware', v('id'), v('id')],
  ['courses', v('course'), 'courseware', v('id'), v('id'), v('position')],
  ['courses', v('course'), 'jump_to', v('block')],
  ['courses', v('course'), 'xblock', v('block')],
  ['dashboard'],
  [v('hashed')],
  ['courses', v('course'), v('hashed')],
  // Marsha: videos and documents, directly or by LTI.
  ['videos', v('id')],
  ['documents', v('id')],
  ['lti', 'videos', v('id')],
  ['lti', 'documents', v('id')],
  // Ashley: forums by LTI, forum pages (topic slugs are learner-written: not allowed).
  ['lti', 'forum', v('id')],
  ['forum'],
];

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment).normalize('NFC');
  } catch {
    return segment.normalize('NFC');
  }
}

function matches(shape: Shape, segments: readonly string[]): boolean {
  if (shape.length !== segments.length) return false;
  return shape.every((s, i) => {
    const seg = segments[i] ?? '';
    return typeof s === 'string' ? s === seg : TOKEN[s.t].test(seg);
  });
}

// Static assets: the file name is course-authored but may name a person (<account>_intro.mp4);
// the key keeps its course and type, and the name becomes a keyed hash (the extension stays).
const ASSET_KEY = /^(asset-v1:[A-Za-z0-9_.-]+\+[A-Za-z0-9_.-]+\+[A-Za-z0-9_.-]+\+type@asset\+block@)(.+)$/;

function assetSegment(segment: string, key: PseudonymKey): string | undefined {
  const m = ASSET_KEY.exec(segment);
  if (!m) return undefined;
  const name = m[2] ?? '';
  if (/^[0-9a-f]{16}(?:\.[a-z0-9]{1,5})?$/.test(name)) return segment;
  const ext = /\.([A-Za-z0-9]{1,5})$/.exec(name)?.[1];
  return `${m[1] ?? ''}${keyedHash('asset', name, key).slice(0, 16)}${ext ? `.${ext.toLowerCase()}` : ''}`;
}

/** `scheme://host` plus the path when its shape is allowed, else a keyed hash of it. */
export function generaliseUrl(value: string, key: PseudonymKey, report?: UrlReport): string {
  const m = HTTP_URL.exec(value.trim());
  if (!m) return generaliseIri(value, key, report);
  const [, scheme = 'https', rawHost = '', rawPath = '', query, fragment] = m;
  if ((query !== undefined || fragment !== undefined) && report) report.query += 1;
  const host = decode(rawHost).toLowerCase();
  const origin = `${scheme.toLowerCase()}://${host}`;
  const segments = rawPath.split('/').slice(1).map(decode);
  while (segments.length > 0 && segments[segments.length - 1] === '') segments.pop();
  if (SHAPES.some((shape) => matches(shape, segments)))
    return segments.length === 0 ? origin : `${origin}/${segments.join('/')}`;
  if (segments.length === 1 && segments[0] !== undefined) {
    const asset = assetSegment(segments[0], key);
    if (asset !== undefined) return `${origin}/${asset}`;
  }
  if (report) report.hashedPaths += 1;
  // A course page with an unknown tail keeps its course (analytics group by it).
  const course = segments[0] === 'courses' && TOKEN.course.test(segments[1] ?? '') ? segments[1] : undefined;
  const prefix = course === undefined ? origin : `${origin}/courses/${course}`;
  const rest = course === undefined ? segments : segments.slice(2);
  return `${prefix}/~${keyedHash('path', `${host}/${rest.join('/')}`, key).slice(0, 24)}`;
}

/**
 * IRIs that are not HTTP URLs: Open edX keys are kept, `urn:uuid:` ids become keyed UUIDs (an
 * exam attempt code is per person), anything else (mailto:, tag:, other URNs) a keyed URN.
 */
export function generaliseIri(value: string, key: PseudonymKey, report?: UrlReport): string {
  const text = decode(value.trim());
  if (TOKEN.course.test(text) || TOKEN.block.test(text)) return text;
  const asset = assetSegment(text, key);
  if (asset !== undefined) return asset;
  const uuid = /^urn:uuid:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(text);
  if (report) report.hashedPaths += 1;
  if (uuid) return `urn:uuid:${keyedUuid('iri', (uuid[1] ?? '').toLowerCase(), key)}`;
  return `urn:lrstream:${keyedHash('iri', text, key).slice(0, 24)}`;
}

/**
 * Vocabulary IRIs (verb ids, activity types): kept when they sit under a namespace the policy
 * names and have no query or fragment; otherwise reduced like a URL.
 */
export function vocabularyIri(
  value: string,
  namespaces: readonly string[],
  key: PseudonymKey,
  report?: UrlReport,
): string {
  const bare = value.trim().replace(/[?#].*$/s, '');
  if (bare !== value.trim() && report) report.query += 1;
  const known = namespaces.some(
    (ns) => bare.startsWith(ns) && /^[A-Za-z0-9._/-]+$/.test(bare.slice(ns.length)),
  );
  return known ? bare : generaliseUrl(bare, key, report);
}

/** Course ids wherever they appear: a course key as is, a course IRI cleaned like any URL. */
export function cleanCourseId(value: string, key: PseudonymKey): string {
  const text = value.trim();
  if (TOKEN.course.test(text)) return text;
  // Old-style ORG/COURSE/RUN keys.
  if (/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(text)) return text;
  return HTTP_URL.test(text) ? generaliseUrl(text, key) : generaliseIri(text, key);
}
