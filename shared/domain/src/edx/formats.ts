/**
 * String formats used by the edX schemas (`format: "edx-..."`). They reproduce what pydantic 2
 * accepts in lax mode for the Python types Ralph uses (datetime, UUID, IPv4Address, AnyUrl,
 * bool, float), so strict mode can agree with Ralph on real logs. Datetime, UUID and float text use
 * the very readers of the ralph conversion profile (`convert/ralph/pydantic.ts`): `validate` and
 * `convert` share one definition of each format.
 */
import { isIP } from 'node:net';
import { ralphDatetime, ralphFloat, ralphNonNegativeFloat, ralphUuid } from '../convert/ralph/pydantic.js';

/** ISO 8601 date or date-time, or a Unix timestamp, as pydantic parses a `datetime` (the ralph profile's reader). */
export function isEdxDatetime(value: string): boolean {
  return ralphDatetime(value) !== undefined;
}

/** UUID in the spellings pydantic accepts: plain hex, hyphenated, braced or urn:uuid:. */
export function isEdxUuid(value: string): boolean {
  return ralphUuid(value) !== undefined;
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Dotted-quad IPv4 without leading zeros (Python's ipaddress rules), or the empty string. */
export function isEdxIpv4OrEmpty(value: string): boolean {
  return value === '' || IPV4.test(value);
}

/** Lenient mode: IPv4, IPv6 or the empty string. */
export function isEdxIpOrEmpty(value: string): boolean {
  return value === '' || isIP(value) !== 0;
}

/** True when every UTF-16 unit is below 0x80. */
function isAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * WHATWG URL parse, or undefined. `URL.canParse` is used for ASCII text only: on Node 20 (and 22)
 * its V8 fast path, taken once a call site is hot, reads a one-byte string's Latin-1 characters as
 * UTF-8 and answers false for valid URLs such as `https://université.example/` (nodejs/node#48816
 * was the first such bug; AikidoSec/firewall-node#1086 describes this one). The verdict would then
 * depend on how many lines came before. `new URL` does not take that path.
 */
function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Absolute URL with any scheme (pydantic AnyUrl and WHATWG URL both come from the URL standard). */
export function isEdxUrl(value: string): boolean {
  return isAscii(value) ? URL.canParse(value) : parseUrl(value) !== undefined;
}

/** Absolute http or https URL (pydantic AnyHttpUrl). */
export function isEdxHttpUrl(value: string): boolean {
  const protocol = parseUrl(value)?.protocol;
  return protocol === 'http:' || protocol === 'https:';
}

const BOOL_WORDS = new Set(['true', 'false', 'yes', 'no', 'on', 'off', 't', 'f', 'y', 'n', '1', '0']);

/** Strings pydantic turns into a boolean (case-insensitive, no surrounding spaces). */
export function isEdxBoolString(value: string): boolean {
  return value.length <= 5 && BOOL_WORDS.has(value.toLowerCase());
}

/** Python float() syntax as pydantic reads text: `_` separators, exponent, inf, nan; spaces around allowed. */
export function isEdxFloatString(value: string): boolean {
  return ralphFloat(value) !== undefined;
}

/** A float string whose value is >= 0 (NaN is not). */
export function isEdxNonNegativeFloatString(value: string): boolean {
  return ralphNonNegativeFloat(value) !== undefined;
}

/** Format name → check, registered on the Ajv instances. */
export const EDX_FORMATS: Readonly<Record<string, (value: string) => boolean>> = {
  'edx-datetime': isEdxDatetime,
  'edx-uuid': isEdxUuid,
  'edx-ipv4-or-empty': isEdxIpv4OrEmpty,
  'edx-ip-or-empty': isEdxIpOrEmpty,
  'edx-url': isEdxUrl,
  'edx-http-url': isEdxHttpUrl,
  'edx-bool': isEdxBoolString,
  'edx-float': isEdxFloatString,
  'edx-non-negative-float': isEdxNonNegativeFloatString,
};
