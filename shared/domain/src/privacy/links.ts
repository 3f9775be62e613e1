// Account links: the operator says which accounts are one person (an LTI account by username and
// the LMS account by user id), so that one person gets one pseudonym and open data counts people.
// A links file only ever merges; without one, accounts link only when their canonical IFI agrees.
import { canonicalHomePage } from './pseudonymize.js';

/** `<canonical homePage>\u0000<name>` -> the account it is the same person as. */
export type AccountLinks = ReadonlyMap<string, { homePage: string; name: string }>;

export class AccountLinksError extends Error {
  override readonly name = 'AccountLinksError';
  readonly code = 'LRS_ERR_ACCOUNT_LINKS';
}

export const accountKey = (homePage: string, name: string): string =>
  `${canonicalHomePage(homePage)}\u0000${name}`;

/**
 * `{"<homePage>": {"<name>": "<name on the same homePage>" | {"homePage": "...", "name": "..."}}}`.
 * Errors name the file and the entry's position, never a name (they are personal data).
 */
export function parseAccountLinks(text: string, source: string): AccountLinks {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AccountLinksError(`${source}: not JSON`);
  }
  const fail = (where: string) =>
    new AccountLinksError(
      `${source}: ${where}: expected {"<homePage>": {"<name>": "<name>" | {"homePage": "...", "name": "..."}}}`,
    );
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw fail('top level');
  const links = new Map<string, { homePage: string; name: string }>();
  Object.entries(value as Record<string, unknown>).forEach(([homePage, names], i) => {
    if (!names || typeof names !== 'object' || Array.isArray(names)) throw fail(`homePage #${i}`);
    Object.entries(names as Record<string, unknown>).forEach(([name, to], j) => {
      const target =
        typeof to === 'string'
          ? { homePage, name: to }
          : to && typeof to === 'object' && !Array.isArray(to)
            ? (to as Record<string, unknown>)
            : undefined;
      if (!target || typeof target.homePage !== 'string' || typeof target.name !== 'string')
        throw fail(`homePage #${i}, entry #${j}`);
      links.set(accountKey(homePage, name), {
        homePage: canonicalHomePage(target.homePage),
        name: target.name,
      });
    });
  });
  return links;
}
