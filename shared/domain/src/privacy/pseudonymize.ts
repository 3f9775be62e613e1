// Keyed pseudonyms: HMAC-SHA-256 under a secret key. Same key and same person give the same
// pseudonym (statements can still be joined); without the key nobody can go back to the person,
// not even by hashing a dictionary of e-mail addresses (which reverses a bare SHA-1 or MD5).
import { createHash, createHmac } from 'node:crypto';

export interface PseudonymKey {
  /** Identifier recorded with each statement (never the key itself). */
  id: string;
  secret: Buffer;
}

/** Home page of pseudonymous accounts: says what the account is, points nowhere. */
export const PSEUDONYM_HOMEPAGE = 'https://lrstream.invalid/pseudonym';

type Json = Record<string, unknown>;

/**
 * Canonical text of an agent's inverse functional identifier, or undefined when it has none. An
 * mbox is reduced to the mbox_sha1sum of its lower-cased form, so a learner known by either
 * gets one pseudonym; the sum itself is then re-keyed (a bare SHA-1 is reversible by dictionary).
 */
export function agentIfi(
  agent: Json,
  links?: ReadonlyMap<string, { homePage: string; name: string }>,
): string | undefined {
  if (typeof agent.mbox === 'string')
    return `mbox_sha1sum:${createHash('sha1').update(agent.mbox.toLowerCase()).digest('hex')}`;
  if (typeof agent.mbox_sha1sum === 'string') return `mbox_sha1sum:${agent.mbox_sha1sum.toLowerCase()}`;
  if (typeof agent.openid === 'string') return `openid:${agent.openid}`;
  const account = agent.account as Json | undefined;
  if (account && typeof account.homePage === 'string' && typeof account.name === 'string') {
    const homePage = canonicalHomePage(account.homePage);
    const linked = links?.get(`${homePage}\u0000${account.name}`);
    return linked
      ? `account:${linked.homePage}\u0000${linked.name}`
      : `account:${homePage}\u0000${account.name}`;
  }
  return undefined;
}

/**
 * One form per site, so that sources link: scheme and host lower-cased, default port, user info,
 * query, fragment and trailing slashes removed (`https://LMS.example.org/` = `https://lms.example.org`).
 */
export function canonicalHomePage(homePage: string): string {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(?:[^/?#@]*@)?([^/?#]*)([^?#]*)/i.exec(homePage.trim());
  if (!m) return homePage.trim();
  const scheme = (m[1] ?? '').toLowerCase();
  let host = (m[2] ?? '').toLowerCase();
  if ((scheme === 'https' && host.endsWith(':443')) || (scheme === 'http' && host.endsWith(':80')))
    host = host.replace(/:\d+$/, '');
  return `${scheme}://${host}${(m[3] ?? '').replace(/\/+$/, '')}`;
}

/** Pseudonym of an agent IFI (see agentIfi): 32 hex characters. */
export function pseudonymOf(ifi: string, key: PseudonymKey): string {
  return createHmac('sha256', key.secret).update(ifi).digest('hex').slice(0, 32);
}

/** Keyed hash of any other linking value (session ids, course keys), separated by kind. */
export function keyedHash(kind: string, value: string, key: PseudonymKey): string {
  return pseudonymOf(`${kind}\u0000${value}`, key);
}

/** A keyed hash shaped as a UUID (version 8, RFC 9562), for fields xAPI requires to be UUIDs. */
export function keyedUuid(kind: string, value: string, key: PseudonymKey): string {
  const h = keyedHash(kind, value, key);
  const variant = ((Number.parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
