#!/usr/bin/env node
// The whole test suite, as the README and CI run it:
//   lint, format check, type-check/build, then every test (unit + integration) in one run of
//   Node's test runner against a real stack (see test/src/stack-provider.ts for how it is found).
// `--unit` runs the unit tests only, without infrastructure.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTests } from './find-tests.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const unitOnly = process.argv.includes('--unit');
const say = (message) => process.stderr.write(`[test] ${message}\n`);

function step(title, command, args, env = process.env) {
  say(title);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) {
    say(`FAILED: ${title} (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

step('Lint (eslint)', 'npx', ['eslint', '.']);
step('Format check (prettier)', 'npx', ['prettier', '--check', '--log-level', 'warn', '.']);
step('Build and type-check (tsc -b)', 'npx', ['tsc', '-b']);
step('Type-check the tests', 'npx', ['tsc', '-p', 'tsconfig.tests.json']);

const files = [...findTests(root, 'unit'), ...(unitOnly ? [] : findTests(root, 'integration'))];
if (files.length === 0) {
  say('No test files found.');
  process.exit(1);
}

let env = process.env;
let release = async () => undefined;
if (!unitOnly) {
  // The stack provider is compiled by the build step above.
  const { provideStack } = await import(join(root, 'test', 'dist', 'index.js'));
  const stack = await provideStack((m) => say(m)).catch((err) => {
    say(`No infrastructure for the integration tests: ${err.message}`);
    process.exit(1);
  });
  say(`Integration tests use the stack from: ${stack.source}`);
  env = { ...process.env, ...stack.env };
  release = stack.release;
}

mkdirSync(join(root, '.stack'), { recursive: true });
const tapFile = join(root, '.stack', 'test-results.tap');
say(`Running ${files.length} test files (${unitOnly ? 'unit only' : 'unit + integration'})...`);
const run = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env },
);
await release();

// A plain closing line, readable by any CI: counts from the TAP copy of the run.
const tap = readFileSync(tapFile, 'utf8');
const count = (name) => Number(tap.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
const passed = count('pass');
const failed = count('fail') + count('cancelled');
const skipped = count('skipped') + count('todo');
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(run.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
