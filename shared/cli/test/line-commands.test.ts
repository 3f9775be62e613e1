// The validate, convert and extract commands, run as the real CLI in a child process
// (node shared/cli/bin/lrstream.js), on small inputs written here.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'shared/cli/bin/lrstream.js');
const ralphFixtures = join(root, 'shared/domain/test/convert/ralph/fixtures');
const erbTrackingLog = join(root, '..', 'shared', 'corpus', 'openedx-erb', 'tracking_log', 'tracking.log');
const work = mkdtempSync(join(tmpdir(), 'lrstream-cli-test-'));

const PLATFORM = 'https://lms.example.org/';
const NAMESPACE = 'ee241f8b-174f-5bdb-a4a3-a7b5b2d2fd72';

interface Run {
  code: number | null;
  stdout: string[];
  records: Record<string, unknown>[];
  stderr: string;
}

function run(args: string[], input?: string | Buffer): Run {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    input: input ?? '',
  });
  const stdout = result.stdout.toString('utf8');
  const stderr = result.stderr.toString('utf8');
  return {
    code: result.status,
    stdout: stdout === '' ? [] : stdout.replace(/\n$/, '').split('\n'),
    records: stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>),
    stderr,
  };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

before(() => {
  // The CLI runs from dist/: build it when the sources are newer (incremental, quick when up to date).
  const dist = join(root, 'shared/cli/dist/commands/validate.js');
  if (!existsSync(dist) || statSync(dist).mtimeMs < newestMtime(join(root, 'shared/cli/src'))) {
    const tsc = spawnSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'shared/cli'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    assert.equal(tsc.status, 0, `tsc -b shared/cli failed:\n${tsc.stdout}${tsc.stderr}`);
  }
});

// A browser play_video event that Ralph's UIPlayVideo model accepts.
const PLAY = {
  username: 'alice',
  ip: '172.18.0.1',
  agent: 'Mozilla/5.0',
  host: 'lms.example.org',
  referer: '',
  accept_language: 'fr-FR',
  context: {
    course_id: 'course-v1:edX+DemoX+Demo_Course',
    org_id: 'edX',
    path: '/event',
    user_id: 17,
  },
  time: '2023-05-23T13:53:13.460372Z',
  page: 'https://lms.example.org/courses/course-v1:edX+DemoX+Demo_Course/courseware/a/b/',
  session: 'e66eb4482b4b273809b5788c9f42dc36',
  event_source: 'browser',
  event_type: 'play_video',
  event: { code: 'html5', id: 'video-1', currentTime: 3 },
};
const play = (changes: Record<string, unknown> = {}) => JSON.stringify({ ...PLAY, ...changes });
const UNKNOWN = JSON.stringify({ ...PLAY, event_source: 'server', event_type: 'some.custom.event' });
const BAD_JSON = '{"event_type": "play_video", "time": ';

test('validate edx: stops at the first invalid line with exit 1, or reports and goes on with -I', () => {
  const input = [play(), BAD_JSON, play({ username: 'bob' })].join('\n') + '\n';
  const stopped = run(['validate', '--format', 'edx'], input);
  assert.equal(stopped.code, 1);
  assert.deepEqual(stopped.stdout, [play()]);
  assert.equal(stopped.records.length, 1);
  assert.equal(stopped.records[0]!.line, 2);
  assert.equal(stopped.records[0]!.code, 'EDX_PARSE_JSON');
  assert.equal(typeof stopped.records[0]!.message, 'string');
  assert.equal(stopped.records[0]!.pointer, '');

  const ignored = run(['validate', '-f', 'edx', '--ignore-errors', '--summary'], input);
  assert.equal(ignored.code, 0);
  // Valid lines go out byte for byte.
  assert.deepEqual(ignored.stdout, [play(), play({ username: 'bob' })]);
  assert.deepEqual(
    ignored.records.map((r) => r.line ?? 'summary'),
    [2, 'summary'],
  );
  assert.deepEqual(ignored.records[1]!.summary, { lines: 3, output: 2, errors: 1, unknown: 0, skipped: 0 });
});

test('validate edx: lenient by default, --strict rejects undeclared fields with a pointer', () => {
  const extra = play({ context: { ...PLAY.context, new_field_of_a_later_release: 1 } });
  const lenient = run(['validate', '-f', 'edx'], extra + '\n');
  assert.equal(lenient.code, 0);
  assert.deepEqual(lenient.stdout, [extra]);
  const strict = run(['validate', '-f', 'edx', '--strict'], extra + '\n');
  assert.equal(strict.code, 1);
  assert.deepEqual(strict.stdout, []);
  assert.equal(strict.records[0]!.line, 1);
  assert.equal(strict.records[0]!.code, 'EDX_FIELD_UNKNOWN');
  assert.equal(strict.records[0]!.pointer, '/context/new_field_of_a_later_release');
});

test('validate edx: a field error names the line and the JSON pointer', () => {
  const input = [play(), play({ event: { code: 'html5', id: 'video-1', currentTime: 'soon' } })].join('\n');
  const r = run(['validate', '-f', 'edx', '-I'], input);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.length, 1);
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0]!.line, 2);
  assert.match(String(r.records[0]!.pointer), /^\/event/);
});

test('validate edx: unknown events are reported and skipped; -F stops at them', () => {
  const input = [UNKNOWN, play()].join('\n') + '\n';
  const lax = run(['validate', '-f', 'edx'], input);
  assert.equal(lax.code, 0);
  assert.deepEqual(lax.stdout, [play()]);
  assert.equal(lax.records[0]!.code, 'EDX_MODEL_UNKNOWN');
  assert.equal(lax.records[0]!.line, 1);
  const failing = run(['validate', '-f', 'edx', '--fail-on-unknown'], input);
  assert.equal(failing.code, 1);
  assert.deepEqual(failing.stdout, []);
});

test('validate edx: a gzip file (path argument) and gzip on stdin are decompressed', () => {
  const text = [play(), BAD_JSON, play({ username: 'carol' })].join('\n') + '\n';
  const file = join(work, 'events.ndjson.gz');
  writeFileSync(file, gzipSync(text));
  const fromFile = run(['validate', '-f', 'edx', '-I', file]);
  assert.equal(fromFile.code, 0);
  assert.deepEqual(fromFile.stdout, [play(), play({ username: 'carol' })]);
  assert.deepEqual(
    fromFile.records.map((r) => r.line),
    [2],
  );
  const fromStdin = run(['validate', '-f', 'edx', '-I'], gzipSync(text));
  assert.deepEqual(fromStdin.stdout, fromFile.stdout);
});

test('validate xapi: valid statements go through, invalid ones get pointers', () => {
  const good = {
    id: '5b4d1a0c-4e0f-4a3f-9d56-2b0b0c1b8f11',
    actor: { objectType: 'Agent', account: { homePage: 'https://lms.example.org', name: '17' } },
    verb: { id: 'http://adlnet.gov/expapi/verbs/attempted' },
    object: { objectType: 'Activity', id: 'https://lms.example.org/xblock/1' },
    timestamp: '2023-05-23T13:53:13.460Z',
  };
  const bad = { ...good, actor: { objectType: 'Agent', mbox: 'alice@example.org' } };
  const input = [JSON.stringify(good), JSON.stringify(bad), '[' + JSON.stringify(good) + ']', 'nope'].join(
    '\n',
  );
  const r = run(['validate', '-f', 'xapi', '-I'], input);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.length, 2);
  assert.deepEqual(
    r.records.map((x) => [x.line, x.pointer]),
    [
      [2, '/actor/mbox'],
      [4, ''],
    ],
  );
  assert.equal(run(['validate', '-f', 'xapi'], input).code, 1);
});

test('usage errors exit 2; --help exits 0 and says edX validation is lenient unless --strict', () => {
  assert.equal(run(['validate']).code, 2);
  assert.equal(run(['validate', '--format', 'csv']).code, 2);
  assert.equal(run(['validate', '-f', 'edx', '--bogus']).code, 2);
  assert.equal(run(['convert', '--from', 'edx', '--to', 'xapi']).code, 2, 'platform URL required');
  assert.equal(
    run(['convert', '--from', 'edx', '--to', 'xapi', '-p', PLATFORM]).code,
    2,
    'namespace required',
  );
  assert.equal(run(['extract']).code, 2);
  const help = run(['validate', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout.join('\n'), /LENIENT/);
  assert.match(help.stdout.join('\n'), /Ralph is strict/);
});

test('convert --profile ralph: statement ids and bodies equal those Ralph wrote for the fixture lines', () => {
  // Lines 1-12 of the fixture recorded with ralph-malph 5.1.0 (see scripts/ralph-compare), with
  // their terminators: the id is the uuid5 of the raw line.
  const inputLines = readFileSync(join(ralphFixtures, 'input.ndjson'), 'utf8').split(/(?<=\n)/);
  const statuses = readFileSync(join(ralphFixtures, 'ralph-status.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { line: number; status: string });
  const ralphOutput = readFileSync(join(ralphFixtures, 'ralph-output.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean);
  const count = 12;
  const converted = statuses.slice(0, count).filter((s) => s.status === 'converted').length;
  assert.ok(converted >= 5 && converted < count, 'the sample mixes converted and refused lines');
  const r = run(
    ['convert', '--from', 'edx', '--to', 'xapi', '-p', PLATFORM, '-u', NAMESPACE, '-I'],
    inputLines.slice(0, count).join(''),
  );
  assert.equal(r.code, 0);
  const expected = ralphOutput.slice(0, converted).map((l) => JSON.parse(l) as { id: string });
  const ours = r.stdout.map((l) => JSON.parse(l) as { id: string });
  assert.deepEqual(
    ours.map((s) => s.id),
    expected.map((s) => s.id),
  );
  assert.deepEqual(ours, expected);
  // Every line Ralph refused has an error record with its line number.
  const refused = statuses.slice(0, count).filter((s) => s.status !== 'converted');
  assert.deepEqual(
    r.records.map((x) => x.line),
    refused.map((s) => s.line),
  );
  // Without -I the command stops at the first refused line.
  const stopped = run(
    ['convert', '-f', 'edx', '-t', 'xapi', '-p', PLATFORM, '-u', NAMESPACE],
    inputLines.slice(0, count).join(''),
  );
  assert.equal(stopped.code, 1);
  assert.equal(stopped.records.length, 1);
  assert.equal(stopped.records[0]!.line, refused[0]!.line);
  assert.equal(
    stopped.stdout.length,
    refused[0]!.line -
      1 -
      statuses.slice(0, refused[0]!.line - 1).filter((s) => s.status !== 'converted').length,
  );
});

test('convert --profile openedx: one statement per line of output, validated, user map applied', () => {
  const actorIds = join(work, 'actors.json');
  writeFileSync(actorIds, JSON.stringify({ '17': 'b7a5f2e0-0000-4000-8000-000000000017' }));
  const r = run(
    [
      'convert',
      '-f',
      'edx',
      '-t',
      'xapi',
      '--profile',
      'openedx',
      '-p',
      'https://lms.example.org',
      '--actor-ids',
      actorIds,
    ],
    [play(), UNKNOWN].join('\n'),
  );
  assert.equal(r.code, 0);
  assert.equal(r.stdout.length, 1);
  const statement = JSON.parse(r.stdout[0]!) as { actor: { account: { name: string; homePage: string } } };
  assert.equal(statement.actor.account.name, 'b7a5f2e0-0000-4000-8000-000000000017');
  assert.equal(statement.actor.account.homePage, 'https://lms.example.org');
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0]!.line, 2);
  assert.equal(
    run(['convert', '-f', 'edx', '-t', 'xapi', '--profile', 'openedx', '-p', PLATFORM, '-F'], UNKNOWN).code,
    1,
  );
});

test(
  'ERB tracking.log (12 lines, 2 malformed): exactly 2 parse errors',
  { skip: existsSync(erbTrackingLog) ? false : `corpus absent: ${erbTrackingLog}` },
  (t) => {
    for (const args of [
      ['validate', '-f', 'edx', '-I'],
      ['convert', '-f', 'edx', '-t', 'xapi', '--profile', 'openedx', '-p', 'http://localhost:18000', '-I'],
    ]) {
      const r = run([...args, '--summary', erbTrackingLog]);
      assert.equal(r.code, 0);
      const parseErrors = r.records.filter((x) => x.code === 'EDX_PARSE_JSON');
      assert.equal(parseErrors.length, 2, `${args[0]}: parse errors`);
      const summary = r.records.find((x) => x.summary) as { summary: Record<string, number> };
      assert.equal(summary.summary.lines, 12);
      assert.equal(summary.summary.errors, 2);
      t.diagnostic(
        `${args.slice(0, 1).join(' ')} ${args.includes('openedx') ? '(openedx)' : ''}: ${JSON.stringify(summary.summary)}; parse errors on lines ${parseErrors.map((x) => x.line).join(', ')}`,
      );
    }
    // Without -I the first malformed line stops the run.
    assert.equal(run(['validate', '-f', 'edx', erbTrackingLog]).code, 1);
  },
);

test('extract --parser gelf: the edX JSON of short_message, bad records reported, never stops', () => {
  const gelf = (message: unknown) =>
    JSON.stringify({ version: '1.1', host: 'lms', short_message: message, level: 6 });
  const prefixed = `2023-05-23 13:53:13,461 INFO 20 [tracking] logger.py:41 - ${play({ username: 'dave' })}`;
  const input = [
    gelf(play()),
    'not json',
    gelf(prefixed),
    JSON.stringify({ version: '1.1', host: 'lms' }),
    gelf('plain text'),
  ].join('\n');
  const r = run(['extract', '--parser', 'gelf'], input);
  assert.equal(r.code, 0);
  assert.deepEqual(r.stdout, [play(), play({ username: 'dave' })]);
  assert.deepEqual(
    r.records.map((x) => x.line),
    [2, 4, 5],
  );
  // And the extracted lines feed validate.
  assert.deepEqual(run(['validate', '-f', 'edx'], r.stdout.join('\n')).stdout, r.stdout);
});

test('extract --parser es: single hits and search/scroll pages', () => {
  const hit = (doc: unknown) => ({ _index: 'edx', _id: 'x', _source: doc });
  const input = [
    JSON.stringify(hit({ a: 1 })),
    JSON.stringify({ took: 1, hits: { total: { value: 2 }, hits: [hit({ b: 2 }), hit({ c: 3 })] } }),
    JSON.stringify({ _scroll_id: 'abc', hits: { hits: [] } }),
    JSON.stringify({ _index: 'edx' }),
  ].join('\n');
  const r = run(['extract', '-p', 'es'], input);
  assert.equal(r.code, 0);
  assert.deepEqual(r.stdout, ['{"a":1}', '{"b":2}', '{"c":3}']);
  assert.deepEqual(
    r.records.map((x) => [x.line, x.pointer]),
    [[4, '/_source']],
  );
});

test('a reader that stops early (| head) ends the run quietly with exit 0', async () => {
  const { spawn } = await import('node:child_process');
  const file = join(work, 'many.ndjson');
  writeFileSync(file, (play() + '\n').repeat(20000));
  const child = spawn(process.execPath, [bin, 'validate', '-f', 'edx', file], { cwd: root });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(code, 0, stderr);
  assert.equal(stderr, '');
});

/** Runs the CLI and keeps stdout as bytes. */
function runBytes(
  args: string[],
  input: Buffer,
): { code: number | null; stdout: Buffer; records: Run['records'] } {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    input,
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    code: result.status,
    stdout: result.stdout,
    records: result.stderr
      .toString('utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const CONVERT_RALPH = ['convert', '-f', 'edx', '-t', 'xapi', '-p', PLATFORM, '-u', NAMESPACE];
const CONVERT_OPENEDX = ['convert', '-f', 'edx', '-t', 'xapi', '-p', PLATFORM, '--profile', 'openedx'];

test('validate: valid lines go out byte for byte (CRLF kept, prefixed and GELF lines as the JSON they carry, as written)', () => {
  const spaced = play({ username: 'carol' }).replace(/","/g, '", "').replace(/":/g, '": ');
  const prefix = 'Jan  1 00:00:00 lms-1 tracking: ';
  const gelf = JSON.stringify({ version: '1.1', host: 'lms-1', short_message: `${prefix}${spaced}` });
  const input = Buffer.from(
    `${play()}\r\n${play({ username: 'bob' })}\n${prefix}${spaced}\r\n${gelf}\n${play({ username: 'dan' })}`,
  );
  for (const mode of [[], ['--strict']]) {
    const out = runBytes(['validate', '-f', 'edx', ...mode], input);
    assert.equal(out.code, 0);
    assert.deepEqual(out.records, []);
    assert.equal(
      out.stdout.toString('utf8'),
      `${play()}\r\n${play({ username: 'bob' })}\n${spaced}\r\n${spaced}\n${play({ username: 'dan' })}`,
    );
  }
  // validate | convert gives the ids of convert alone (the ralph profile hashes the raw line).
  const direct = runBytes(CONVERT_RALPH, Buffer.from(`${play()}\r\n${play({ username: 'bob' })}\n`));
  const piped = runBytes(
    CONVERT_RALPH,
    runBytes(['validate', '-f', 'edx'], Buffer.from(`${play()}\r\n${play({ username: 'bob' })}\n`)).stdout,
  );
  assert.equal(piped.stdout.toString('utf8'), direct.stdout.toString('utf8'));
});

test('validate xapi: valid lines go out byte for byte', () => {
  const statement = JSON.stringify({
    actor: { mbox: 'mailto:a@example.org' },
    verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
    object: { id: 'http://example.org/a' },
  });
  const input = Buffer.from(`${statement}\r\n${statement}`);
  const out = runBytes(['validate', '-f', 'xapi'], input);
  assert.equal(out.code, 0);
  assert.equal(out.stdout.toString('utf8'), `${statement}\r\n${statement}`);
});

test('validate and convert refuse lines that are not UTF-8 instead of writing U+FFFD (Ralph refuses them)', () => {
  const good = Buffer.from(`${play()}\n`);
  // "café" in Latin-1 (a lone 0xE9), and an overlong "/" (C0 AF) inside a string.
  const latin1 = Buffer.from(`${play({ username: 'café' })}\n`, 'latin1');
  const overlong = Buffer.from(`${play({ username: 'a__b' })}\n`);
  overlong.set([0xc0, 0xaf], overlong.indexOf('a__b') + 1);
  const input = Buffer.concat([good, latin1, overlong, good]);
  for (const args of [
    ['validate', '-f', 'edx', '-I'],
    ['validate', '-f', 'edx', '--strict', '-I'],
    ['validate', '-f', 'xapi', '-I'],
  ]) {
    const out = runBytes(args, input);
    assert.equal(out.code, 0);
    assert.equal(out.stdout.includes(Buffer.from('\ufffd')), false, args.join(' '));
    assert.deepEqual(
      out.records.map((r) => `${String(r.line)}:${String(r.code)}`).filter((r) => !r.includes('XAPI')),
      ['2:LINE_NOT_UTF8', '3:LINE_NOT_UTF8'],
      args.join(' '),
    );
  }
  for (const args of [CONVERT_RALPH, CONVERT_OPENEDX]) {
    const out = runBytes([...args, '-I'], input);
    assert.equal(out.code, 0);
    assert.deepEqual(
      out.records.map((r) => `${String(r.line)}:${String(r.code)}`),
      ['2:LINE_NOT_UTF8', '3:LINE_NOT_UTF8'],
    );
    assert.equal(out.stdout.toString('utf8').trimEnd().split('\n').length, 2);
  }
  // Without -I the first such line stops the run (exit 1), as any invalid line.
  assert.equal(runBytes(['validate', '-f', 'edx'], input).code, 1);
});

test('multi-byte characters cut between input chunks are still text', () => {
  const line = `${play({ username: 'Zoë €😀' })}\n`;
  const input = Buffer.from(line.repeat(3000)); // several 64 KiB chunks; cuts fall inside characters
  const out = runBytes(['validate', '-f', 'edx'], input);
  assert.equal(out.code, 0);
  assert.deepEqual(out.records, []);
  assert.ok(out.stdout.equals(input));
});

test('10,000 lines with the same non-ASCII URL get the same verdict on every line', () => {
  const pageClose = JSON.stringify({
    ...PLAY,
    event_type: 'page_close',
    name: 'page_close',
    event: '{}',
    page: 'https://université.example/cours/1',
    context: { ...PLAY.context, path: '/event' },
  });
  const input = Buffer.from(`${pageClose}\n`.repeat(10_000));
  for (const mode of [[], ['--strict']]) {
    const out = runBytes(['validate', '-f', 'edx', '-I', '--summary', ...mode], input);
    assert.equal(out.code, 0);
    assert.deepEqual(out.records, [
      { summary: { lines: 10_000, output: 10_000, errors: 0, unknown: 0, skipped: 0 } },
    ]);
    assert.ok(out.stdout.equals(input));
  }
  const converted = runBytes([...CONVERT_RALPH, '-I', '--summary'], input);
  assert.deepEqual(converted.records, [
    { summary: { lines: 10_000, output: 10_000, errors: 0, unknown: 0, skipped: 0 } },
  ]);
});
