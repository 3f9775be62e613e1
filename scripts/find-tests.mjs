// Lists test files: Node 20's test runner takes no globs, so the project finds them itself.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const SKIP = new Set(['node_modules', 'dist', '.stack', '.git']);

function walk(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (entry.name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** Unit tests live in any `test/` folder of a package; integration tests under the top-level test/. */
export function findTests(root, kind) {
  const all = walk(root, [])
    .map((p) => relative(root, p))
    .sort();
  const isIntegration = (p) => p.startsWith('test/integration/') || p.startsWith('test/e2e/');
  return all.filter((p) => (kind === 'integration' ? isIntegration(p) : !isIntegration(p)));
}
