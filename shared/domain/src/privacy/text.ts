// String-level generalisation: URLs without query strings or user path segments, user agents
// reduced to a coarse family, and personal data found inside free strings replaced.

const URL_PARTS = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^/?#@]*@)?([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/i;

export const REDACTED = 'redacted';

export interface UrlReport {
  query: number;
  userSegments: number;
}

/**
 * `scheme://host/path` only: user info, query string and fragment removed, and every path segment
 * that follows a user segment name (`/u/<name>`, `/users/<id>`...) replaced. Not a URL: unchanged.
 */
export function generaliseUrl(value: string, userSegments: ReadonlySet<string>, report?: UrlReport): string {
  const m = URL_PARTS.exec(value);
  if (!m) return value;
  const [, scheme = '', host = '', path = '', query, fragment] = m;
  if ((query !== undefined || fragment !== undefined) && report) report.query += 1;
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i += 1) {
    const previous = (segments[i - 1] ?? '').toLowerCase();
    if (userSegments.has(previous) && segments[i] !== '' && segments[i] !== REDACTED) {
      segments[i] = REDACTED;
      if (report) report.userSegments += 1;
    }
  }
  return `${scheme}${host}${segments.join('/')}`;
}

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
const IPV4 = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.]*\d)/g;
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
  scrub(value: string): string;
}

export interface ScrubOptions {
  /** Replace e-mail addresses and the statement's own identities (names, account names, mboxes). */
  personal: boolean;
  /** Strip query strings and user path segments from URLs found in text. */
  urls: boolean;
  userSegments: ReadonlySet<string>;
  /** Identity strings of this statement's agents (already filtered for length). */
  identities: string[];
  /** Course key strings -> their keyed replacement. */
  courses: Map<string, string>;
  report: TextReport;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function wordsRegex(words: string[]): RegExp | undefined {
  if (words.length === 0) return undefined;
  const alternatives = [...new Set(words)].sort((a, b) => b.length - a.length).map(escape);
  return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}_])`, 'giu');
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
    scrub(value: string): string {
      let out = value;
      if (options.urls && out.includes('://'))
        out = out.replace(URL_IN_TEXT, (url) => generaliseUrl(url, options.userSegments, r.url));
      if (courses)
        out = out.replace(courses, (k) => {
          r.course += 1;
          return options.courses.get(k) ?? REDACTED;
        });
      if (identities)
        out = out.replace(identities, () => {
          r.identity += 1;
          return REDACTED;
        });
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
