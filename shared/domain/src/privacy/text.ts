// String-level generalisation: user agents reduced to a coarse family, language tags to language
// and region, and personal data found inside the strings that remain replaced (a second line of
// defence: the policy keeps no free text unless it names the field).
import type { PseudonymKey } from './pseudonymize.js';
import { generaliseUrl, type UrlReport } from './urls.js';

export const REDACTED = 'redacted';

const BROWSERS: [RegExp, string][] = [
  [/bot|crawl|spider|slurp|curl|wget|python|java\//i, 'Bot'],
  [/Edg(e|A|iOS)?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/Firefox\/|FxiOS/, 'Firefox'],
  [/Chrome\/|CriOS|Chromium/, 'Chrome'],
  [/Safari\//, 'Safari'],
];
const SYSTEMS: [RegExp, string][] = [
  [/Android/, 'Android'],
  [/iPhone|iPad|iPod|iOS/, 'iOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/CrOS/, 'ChromeOS'],
  [/Linux|X11/, 'Linux'],
];

/** `Chrome/Linux`, `Safari/iOS`, `Other/Other`: a family, never a version or a device model. */
export function userAgentFamily(ua: string): string {
  const browser = BROWSERS.find(([re]) => re.test(ua))?.[1] ?? 'Other';
  const system = SYSTEMS.find(([re]) => re.test(ua))?.[1] ?? 'Other';
  return `${browser}/${system}`;
}

const EMAIL = /(?:mailto:)?[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/giu;
// Any dotted quad of 1-3 digit groups, zero-padded ones included (203.000.113.018).
const IPV4 = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.]*\d)/g;
// Full form, or compressed with "::" (which no time of day or version string contains).
const IPV6 =
  /(?<![\p{L}\p{N}:])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}:){1,7}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?|::(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4})(?:%[\p{L}\p{N}]+)?(?![\p{L}\p{N}:])/giu;
const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;

export interface TextReport {
  email: number;
  ip: number;
  identity: number;
  course: number;
  url: UrlReport;
}

export interface TextScrubber {
  /** `urls: false` for values that are already generalised URLs (the host is still scrubbed). */
  scrub(value: string, urls?: boolean): string;
}

export interface ScrubOptions {
  /** Replace e-mail addresses and the statement's own identities (names, account names, mboxes). */
  personal: boolean;
  /** Reduce URLs found in text like URL fields (allowed shapes, else a keyed hash). */
  urls: boolean;
  key: PseudonymKey;
  /** Identity strings of this statement's agents (already filtered for length). */
  identities: string[];
  /** Course key strings -> their keyed replacement. */
  courses: Map<string, string>;
  report: TextReport;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Base letters only: accents removed (NFD, marks dropped), so José, Jose and NFD José agree. */
export function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}+/gu, '');
}

/**
 * Identities as whole words of an NFD text, accent-insensitive (each letter may carry marks).
 * Word boundaries are letters and digits only: `_`, `-` and `.` separate words, so derived forms
 * (`<account>_intro.mp4`, `<account>_bis`) are found.
 */
function wordsRegex(words: string[]): RegExp | undefined {
  const folded = [...new Set(words.map(fold).filter((w) => w.length > 0))];
  if (folded.length === 0) return undefined;
  const alternatives = folded
    .sort((a, b) => b.length - a.length)
    .map((w) => [...w].map((c) => `${escape(c)}\\p{M}*`).join(''));
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}])`, 'giu');
}

/** Percent-decoded when the string is percent-encoded (mailto:first.last%40dom), else as is. */
function decoded(value: string): string {
  if (!/%[0-9a-f]{2}/i.test(value)) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  }
}

/** Builds the scrubber for one statement (its identities are known only then). */
export function createScrubber(options: ScrubOptions): TextScrubber {
  const identities = options.personal ? wordsRegex(options.identities) : undefined;
  const courseKeys = [...options.courses.keys()];
  const courses =
    courseKeys.length > 0
      ? new RegExp(
          [...courseKeys]
            .sort((a, b) => b.length - a.length)
            .map(escape)
            .join('|'),
          'g',
        )
      : undefined;
  const r = options.report;
  return {
    scrub(value: string, urls = true): string {
      // Decode first: nothing is recognised in an encoded form it was not written in.
      let out = decoded(value).normalize('NFC');
      if (urls && options.urls && out.includes('://'))
        out = out.replace(URL_IN_TEXT, (url) => generaliseUrl(url, options.key, r.url));
      if (courses)
        out = out.replace(courses, (k) => {
          r.course += 1;
          return options.courses.get(k) ?? REDACTED;
        });
      if (identities) {
        const nfd = out.normalize('NFD');
        const replaced = nfd.replace(identities, () => {
          r.identity += 1;
          return REDACTED;
        });
        if (replaced !== nfd) out = replaced.normalize('NFC');
      }
      if (options.personal && out.includes('@'))
        out = out.replace(EMAIL, () => {
          r.email += 1;
          return 'redacted-email';
        });
      // IP addresses go whatever the policy says about other text: ipAddress is always "drop".
      out = out.replace(IPV4, () => {
        r.ip += 1;
        return 'redacted-ip';
      });
      if (out.includes(':'))
        out = out.replace(IPV6, () => {
          r.ip += 1;
          return 'redacted-ip';
        });
      return out;
    },
  };
}

/**
 * BCP 47 tags reduced to language, script and region (`fr-x-<name>` -> `fr`): private-use and
 * extension subtags can carry anything. Not a language tag: undefined.
 */
export function generaliseLanguage(tag: unknown): string | undefined {
  if (typeof tag !== 'string') return undefined;
  const m = /^([A-Za-z]{2,3})(-[A-Za-z]{4})?(-(?:[A-Za-z]{2}|\d{3}))?(?=-|$)/.exec(tag.trim());
  if (!m) return undefined;
  return `${(m[1] ?? '').toLowerCase()}${m[2] ?? ''}${(m[3] ?? '').toUpperCase()}`;
}
