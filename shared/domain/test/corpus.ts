// Locates the team's read-only handout corpora (../shared/corpus beside the repo).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const corpusRoot = join(repoRoot, '..', 'shared', 'corpus');

/**
 * Absolute path of a corpus file or folder, or undefined when the handout folder is absent.
 * Tests use it as `{ skip: corpusPath(...) ? false : 'corpus absent: ...' }` so a skip is visible.
 */
export function corpusPath(...parts: string[]): string | undefined {
  const path = join(corpusRoot, ...parts);
  return existsSync(path) ? path : undefined;
}
