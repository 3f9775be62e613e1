// The line commands against the real Ralph, byte for byte: our CLI runs on the recorded comparison
// fixtures (scripts/ralph-compare/run.sh: input.ndjson, and lines-input.ndjson with the byte-level
// families: BOM, line ends, invalid UTF-8) and every line must get Ralph's verdict, except the
// differences docs/cli.md lists, which are asserted here line by line.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'shared/cli/bin/lrstream.js');
const fixtures = join(root, 'shared/domain/test/convert/ralph/fixtures');
const CONVERT = [
  'convert',
  '-f',
  'edx',
  '-t',
  'xapi',
  '-p',
  'https://lms.example.org/',
  '-u',
  'ee241f8b-174f-5bdb-a4a3-a7b5b2d2fd72',
];
/** Characters JavaScript's `\s` matches beyond ASCII: our xAPI IRI check refuses them (docs/cli.md). */
const UNICODE_SPACE = /[\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;

interface Status {
  line: number;
  status: string;
  ralph?: string;
}

function rows<T>(name: string): T[] {
  return readFileSync(join(fixtures, name), 'utf8')
    .split('\n')
    .filter((row) => row !== '')
    .map((row) => JSON.parse(row) as T);
}

/** The input split as Python splits stdin: at "\n", terminator kept. */
function byteLines(input: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  while (start < input.length) {
    const nl = input.indexOf(10, start);
    const end = nl === -1 ? input.length : nl + 1;
    lines.push(input.subarray(start, end));
    start = end;
  }
  return lines;
}

interface Ours {
  /** Per 1-based line: the error code, or undefined when the line gave output. */
  codes: Map<number, string>;
  stdout: Buffer;
}

function runCli(args: string[], input: Buffer): Ours {
  const result = spawnSync(process.execPath, [bin, ...args, '-I'], {
    cwd: root,
    input,
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(result.status, 0, result.stderr.toString('utf8').slice(0, 500));
  const codes = new Map<number, string>();
  for (const row of result.stderr.toString('utf8').split('\n')) {
    if (!row.startsWith('{')) continue;
    const record = JSON.parse(row) as { line: number; code: string };
    codes.set(record.line, record.code);
  }
  return { codes, stdout: result.stdout };
}

before(() => {
  // The CLI runs from dist/ (scripts/test.mjs builds first; a lone run builds here).
  const tsc = spawnSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'shared/cli'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  assert.equal(tsc.status, 0, `tsc -b shared/cli failed:\n${tsc.stdout}${tsc.stderr}`);
});

const SETS = [
  { name: 'input.ndjson', prefix: '' },
  { name: 'lines-input.ndjson', prefix: 'lines-' },
];

for (const set of SETS) {
  const input = readFileSync(join(fixtures, set.name));
  const lines = byteLines(input);
  const blank = (i: number) => lines[i]!.toString('utf8').trim() === '';

  test(`${set.name}: validate --strict gives Ralph's verdict on every line; lenient accepts all Ralph accepts`, () => {
    const ralph = rows<Status>(`${set.prefix}ralph-validate-status.ndjson`);
    assert.equal(ralph.length, lines.length);
    for (const mode of [['--strict'], []]) {
      const ours = runCli(['validate', '-f', 'edx', ...mode], input);
      const disagreements: string[] = [];
      const valid: Buffer[] = [];
      lines.forEach((_, i) => {
        const code = ours.codes.get(i + 1);
        const status = blank(i)
          ? 'blank'
          : code === undefined
            ? 'valid'
            : code === 'EDX_MODEL_UNKNOWN'
              ? 'unknown'
              : 'invalid';
        if (status === 'valid') valid.push(lines[i]!);
        const expected = ralph[i]!.status;
        // Documented: blank lines are ignored (Ralph: a JSON error). Lenient mode accepts more.
        if (status === 'blank' && expected === 'invalid') return;
        if (mode.length === 0 && status === 'valid') return;
        if (status !== expected)
          disagreements.push(
            `line ${i + 1}: ralph ${expected} (${ralph[i]!.ralph ?? ''}), ours ${status} ${code ?? ''}`,
          );
      });
      assert.deepEqual(disagreements, [], mode.join(' ') || 'lenient');
      // Valid lines go out byte for byte, terminator included.
      assert.ok(ours.stdout.equals(Buffer.concat(valid)), `${mode.join(' ')}: output is not the valid lines`);
    }
  });

  test(`${set.name}: convert gives Ralph's statement, or refuses as Ralph does, on every line`, () => {
    const ralph = rows<Status>(`${set.prefix}ralph-status.ndjson`);
    const statements = new Map(
      rows<{ id: string }>(`${set.prefix}ralph-output.ndjson`).map((s) => [s.id, s] as const),
    );
    assert.equal(ralph.length, lines.length);
    const ours = runCli(CONVERT, input);
    const out = ours.stdout
      .toString('utf8')
      .split('\n')
      .filter((row) => row !== '');
    const disagreements: string[] = [];
    const unicodeSpaces: number[] = [];
    let next = 0;
    lines.forEach((line, i) => {
      const code = ours.codes.get(i + 1);
      const expected = ralph[i]!.status;
      if (blank(i)) {
        if (expected !== 'invalid') disagreements.push(`line ${i + 1}: blank, ralph ${expected}`);
        return;
      }
      if (code === undefined) {
        const statement = JSON.parse(out[next++]!) as { id: string };
        if (expected !== 'converted') disagreements.push(`line ${i + 1}: ralph ${expected}, ours converted`);
        // Same text once both are JSON values (Ralph's -0.0 is JSON.stringify's 0: docs/cli.md, numbers).
        else if (JSON.stringify(statement) !== JSON.stringify(statements.get(statement.id)))
          disagreements.push(`line ${i + 1}: statement differs from Ralph's`);
        return;
      }
      // Documented (docs/cli.md): IRIs Ralph's rfc3987 check passes and our xAPI check refuses: a
      // Unicode space, a final "\n" (Python's `$` matches before it), nothing after the scheme.
      if (code === 'CONVERT_INVALID_XAPI:XAPI_IRI' && expected === 'converted') {
        const event = JSON.parse(line.toString('utf8')) as { page?: unknown };
        const page = typeof event.page === 'string' ? event.page : '';
        if (UNICODE_SPACE.test(line.toString('utf8'))) unicodeSpaces.push(i + 1);
        else if (!page.endsWith('\n') && !/^[a-z]+:$/i.test(page))
          disagreements.push(`line ${i + 1}: ralph converted, ours ${code}`);
        return;
      }
      const status = code === 'RALPH_EVENT_UNSUPPORTED' ? 'unsupported' : 'invalid';
      if (status !== expected)
        disagreements.push(
          `line ${i + 1}: ralph ${expected} (${ralph[i]!.ralph ?? ''}), ours ${status} ${code}`,
        );
    });
    assert.equal(next, out.length);
    assert.deepEqual(disagreements, []);
    if (set.name === 'input.ndjson') assert.ok(unicodeSpaces.length >= 20, `${unicodeSpaces.length} lines`);
  });
}
