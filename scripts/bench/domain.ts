// Speed benchmark of the domain core and of the line commands (not a test).
//   node --import tsx scripts/bench/domain.ts [--lines 200000] [--runs 5] [--seed 42]
//        [--file PATH] [--ralph-sample 20000] [--no-cli] [--no-ralph] [--json PATH]
//        [--stages a,b,c,d] [--domain PATH]
// --stages runs only the listed in-process stages (d converts its own input, untimed); --domain imports
// the domain core from a built index.js instead of @lrstream/domain (to compare two builds).
// In-process stages run single-threaded over lines held in memory (the file is generated first);
// the CLI and Ralph are then timed end to end on the generated file with /usr/bin/time.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type * as Domain from '@lrstream/domain';
import type { EdxValidationMode, OpenedxOptions } from '@lrstream/domain';
import { generateLines } from './generate.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '200000' },
    runs: { type: 'string', default: '5' },
    seed: { type: 'string', default: '42' },
    file: { type: 'string' },
    'ralph-sample': { type: 'string', default: '20000' },
    'ralph-venv': { type: 'string', default: process.env.RALPH_VENV ?? '/tmp/ralph-venv' },
    'cli-runs': { type: 'string', default: '3' },
    'no-cli': { type: 'boolean', default: false },
    'no-ralph': { type: 'boolean', default: false },
    json: { type: 'string' },
    stages: { type: 'string', default: 'a,b,c,d' },
    domain: { type: 'string' },
  },
});
// require() of the ES module (Node >= 20.19): tsx runs this script as CommonJS, so no top-level await.
const domain = createRequire(import.meta.url)(values.domain ?? '@lrstream/domain') as typeof Domain;
const {
  convertOpenedx,
  createRalphConverter,
  parseEdxLine,
  ralphConvertLine,
  validateEdxEvent,
  validateXapiStatement,
} = domain;
const wanted = new Set(values.stages.split(','));
const N = Number(values.lines);
const RUNS = Number(values.runs);
const CLI_RUNS = Number(values['cli-runs']);
const PLATFORM = 'https://lms.example.org/';
const NAMESPACE = 'ee241f8b-174f-5bdb-a4a3-a7b5b2d2fd72';
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const say = (text: string) => process.stderr.write(text + '\n');

const report: Record<string, unknown> = {
  node: process.version,
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  domain: values.domain ?? '@lrstream/domain',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  loadavgStart: loadavg().map((x) => x.toFixed(2)),
};

// ---- input ----
say(`generating ${N} lines (seed ${values.seed})`);
const generated = generateLines(N, Number(values.seed));
const lines = generated.lines;
const file = values.file ?? `/tmp/lrstream-bench-${N}.ndjson`;
writeFileSync(file, lines.join('\n') + '\n');
report.input = {
  file,
  lines: N,
  bytes: lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0),
  mix: generated.counts,
};

// ---- in-process stages ----
interface Stage {
  name: string;
  items: number;
  ok: number;
  perSecond: number;
  runsPerSecond: number[];
  rssMiB: number;
}
const stages: Stage[] = [];

function stage(name: string, items: number, body: () => number): void {
  if (!wanted.has(name.slice(1, 2))) return;
  body(); // warm-up (JIT, schema compilation)
  const rates: number[] = [];
  let ok = 0;
  for (let r = 0; r < RUNS; r++) {
    const start = process.hrtime.bigint();
    ok = body();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.push(items / seconds);
  }
  const result = {
    name,
    items,
    ok,
    perSecond: Math.round(median(rates)),
    runsPerSecond: rates.map(Math.round),
    rssMiB: mib(process.memoryUsage().rss),
  };
  stages.push(result);
  say(
    `${name}: ${result.perSecond.toLocaleString('en')} /s (median of ${RUNS}; ok ${ok}/${items}; rss ${result.rssMiB} MiB)`,
  );
}

function edx(mode: EdxValidationMode): () => number {
  return () => {
    let valid = 0;
    for (const line of lines) {
      const parsed = parseEdxLine(line);
      if (parsed.ok && validateEdxEvent(parsed.event, { mode }).status === 'valid') valid++;
    }
    return valid;
  };
}
stage('(a) edX parse + normalise + validate, lenient', N, edx('lenient'));
stage('(a) edX parse + normalise + validate, strict', N, edx('strict'));

const openedxOptions: OpenedxOptions = {
  lmsRootUrl: PLATFORM.replace(/\/+$/, ''),
  actorId: (user) => (user.userId !== undefined ? String(user.userId) : user.username),
  courseName: () => undefined,
};
// Convert stages stream as the CLI and the convert service do: each event's statements are
// counted and dropped. (Until 2026-11-22 they were kept in an array for stage (d); a heap that
// grows by 175,000 statements per run costs the converter a third of its rate in old-generation
// GC, which is the bench, not the converter: the row "statements kept" still shows it.)
// Stage (d)'s input is collected afterwards, untimed.
function convertOpenedxLines(keep?: unknown[]): number {
  let converted = 0;
  for (const line of lines) {
    const parsed = parseEdxLine(line);
    if (!parsed.ok) continue;
    const result = convertOpenedx(parsed.event.original, openedxOptions);
    if (result.status === 'converted') {
      converted++;
      if (keep) for (const s of result.statements) keep.push(s);
    }
  }
  return converted;
}
stage('(b) convert, openedx profile (parse + convert)', N, () => convertOpenedxLines());

// What the CLI and the service do per event: parse, convert (from the payload parseEdxLine has
// decoded), check every statement against xAPI 1.0.3 and serialise it.
const { convertOpenedxParsed } = domain as Partial<typeof Domain>;
if (convertOpenedxParsed !== undefined) {
  // The issue's contract: every statement is checked against xAPI before it is handed over.
  stage('(b) openedx parse + convert + xAPI check', N, () => {
    let checked = 0;
    for (const line of lines) {
      const parsed = parseEdxLine(line);
      if (!parsed.ok) continue;
      const result = convertOpenedxParsed(parsed.event, openedxOptions);
      if (result.status !== 'converted') continue;
      for (const s of result.statements) if (validateXapiStatement(s).length === 0) checked++;
    }
    return checked;
  });
  stage('(b) openedx parse + convert + xAPI check + JSON.stringify', N, () => {
    let written = 0;
    for (const line of lines) {
      const parsed = parseEdxLine(line);
      if (!parsed.ok) continue;
      const result = convertOpenedxParsed(parsed.event, openedxOptions);
      if (result.status !== 'converted') continue;
      for (const s of result.statements) {
        if (validateXapiStatement(s).length === 0 && JSON.stringify(s).length > 0) written++;
      }
    }
    return written;
  });
}
const openedxStatements: unknown[] = [];
stage('(b) parse + convert, statements kept in memory (the method before 2026-11-22)', N, () => {
  openedxStatements.length = 0;
  return convertOpenedxLines(openedxStatements);
});
openedxStatements.length = 0; // not carried into the next stages' heap

const ralph = createRalphConverter({ platformUrl: PLATFORM, uuidNamespace: NAMESPACE });
const rawLines = lines.map((l) => l + '\n');
function convertRalphLines(keep?: unknown[]): number {
  let converted = 0;
  for (const raw of rawLines) {
    const result = ralphConvertLine(ralph, raw);
    if (result.status === 'converted') {
      converted++;
      if (keep) keep.push(result.statement);
    }
  }
  return converted;
}
stage('(c) convert, ralph profile (parse + convert)', N, () => convertRalphLines());
stage('(c) ralph parse + convert + xAPI check + JSON.stringify', N, () => {
  let written = 0;
  for (const raw of rawLines) {
    const result = ralphConvertLine(ralph, raw);
    if (result.status !== 'converted' || !result.statement) continue;
    if (validateXapiStatement(result.statement).length === 0 && JSON.stringify(result.statement).length > 0)
      written++;
  }
  return written;
});

let statements: unknown[] = [];
if (wanted.has('d')) {
  const ralphStatements: unknown[] = [];
  convertOpenedxLines(openedxStatements);
  convertRalphLines(ralphStatements);
  statements = [...openedxStatements, ...ralphStatements];
}
openedxStatements.length = 0;
stage('(d) xAPI validation of the converted statements', statements.length, () => {
  let valid = 0;
  for (const s of statements) if (validateXapiStatement(s).length === 0) valid++;
  return valid;
});
statements = [];
// The same stages on the colleague's file of 20,000 events that all pass Ralph's validation and
// all convert with Ralph (scripts/ralph-compare/run.sh --bench): the success path only.
const ralphValidFile = '/tmp/ralph-bench-20000.ndjson';
if (existsSync(ralphValidFile)) {
  const valid = readFileSync(ralphValidFile, 'utf8')
    .split(/(?<=\n)/)
    .filter((l) => l.trim() !== '');
  const n = valid.length;
  stage(`(a) on ${n} Ralph-valid events, strict`, n, () => {
    let ok = 0;
    for (const line of valid) {
      const parsed = parseEdxLine(line);
      if (parsed.ok && validateEdxEvent(parsed.event, { mode: 'strict' }).status === 'valid') ok++;
    }
    return ok;
  });
  stage(`(b) on ${n} Ralph-valid events, openedx`, n, () => {
    let ok = 0;
    for (const line of valid) {
      const parsed = parseEdxLine(line);
      if (parsed.ok && convertOpenedx(parsed.event.original, openedxOptions).status === 'converted') ok++;
    }
    return ok;
  });
  stage(`(c) on ${n} Ralph-valid events, ralph`, n, () => {
    let ok = 0;
    for (const raw of valid) if (ralphConvertLine(ralph, raw).status === 'converted') ok++;
    return ok;
  });
}
report.stages = stages;
report.peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
report.heapUsedMiB = mib(process.memoryUsage().heapUsed);

// ---- end to end: our CLI and Ralph ----
interface Timed {
  command: string;
  input: string;
  lines: number;
  wall: number;
  user: number;
  sys: number;
  maxRssMiB: number;
  outputLines?: number;
}
const timed: Timed[] = [];

function time(
  label: string,
  argv: string[],
  input: string,
  lineCount: number,
  stdinFile = true,
): Timed | undefined {
  const runs: Timed[] = [];
  for (let r = 0; r < CLI_RUNS; r++) {
    const out = openSync('/dev/null', 'w');
    const inFd = openSync(input, 'r');
    const res = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', ...argv], {
      cwd: root,
      stdio: [stdinFile ? inFd : 'ignore', out, 'pipe'],
      env: { ...process.env, PYTHONUTF8: '1' },
      maxBuffer: 1 << 30,
    });
    closeSync(out);
    closeSync(inFd);
    const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(res.stderr.toString());
    if (!m) {
      say(`${label}: no timing (${res.stderr.toString().slice(-300)})`);
      return undefined;
    }
    runs.push({
      command: label,
      input,
      lines: lineCount,
      wall: Number(m[1]),
      user: Number(m[2]),
      sys: Number(m[3]),
      maxRssMiB: Math.round(Number(m[4]) / 1024),
    });
  }
  const mid = [...runs].sort((a, b) => a.wall - b.wall)[Math.floor(runs.length / 2)]!;
  timed.push(mid);
  say(`${label} < ${input}: ${mid.wall} s wall (median of ${CLI_RUNS}), ${mid.maxRssMiB} MiB max RSS`);
  return mid;
}

const lrstream = [process.execPath, join(root, 'shared/cli/bin/lrstream.js')];
const ralphBin = join(values['ralph-venv'], 'bin/ralph');
const haveRalph = !values['no-ralph'] && existsSync(ralphBin);
const sampleSize = Math.min(N, Number(values['ralph-sample']));
const sample = `/tmp/lrstream-bench-${N}-head${sampleSize}.ndjson`;
writeFileSync(sample, lines.slice(0, sampleSize).join('\n') + '\n');
const ralphValid = ralphValidFile;

if (!values['no-cli']) {
  const validate = [...lrstream, 'validate', '--format', 'edx', '-I'];
  const convertRalph = [
    ...lrstream,
    'convert',
    '--from',
    'edx',
    '--to',
    'xapi',
    '--profile',
    'ralph',
    '-p',
    PLATFORM,
    '-u',
    NAMESPACE,
    '-I',
  ];
  const convertOpenedxCli = [
    ...lrstream,
    'convert',
    '--from',
    'edx',
    '--to',
    'xapi',
    '--profile',
    'openedx',
    '-p',
    PLATFORM,
    '-I',
  ];
  time('lrstream start-up (validate, empty input)', validate, '/dev/null', 0);
  for (const [input, count] of [
    [file, N],
    [sample, sampleSize],
    ...(existsSync(ralphValid) ? [[ralphValid, 20000] as [string, number]] : []),
  ] as [string, number][]) {
    time('lrstream validate --format edx -I', validate, input, count);
    time('lrstream validate --format edx --strict -I', [...validate, '--strict'], input, count);
    time('lrstream convert --profile ralph -I', convertRalph, input, count);
    time('lrstream convert --profile openedx -I', convertOpenedxCli, input, count);
  }
  if (haveRalph) {
    time('ralph start-up (validate, empty input)', [ralphBin, 'validate', '--format', 'edx'], '/dev/null', 0);
    for (const [input, count] of [
      [sample, sampleSize],
      ...(existsSync(ralphValid) ? [[ralphValid, 20000] as [string, number]] : []),
    ] as [string, number][]) {
      time('ralph validate --format edx -I', [ralphBin, 'validate', '--format', 'edx', '-I'], input, count);
      time(
        'ralph convert --from edx --to xapi -I',
        [ralphBin, 'convert', '--from', 'edx', '--to', 'xapi', '-p', PLATFORM, '-u', NAMESPACE, '-I'],
        input,
        count,
      );
    }
  } else say(`ralph not timed (${values['no-ralph'] ? '--no-ralph' : `${ralphBin} absent`})`);
}
report.endToEnd = timed;
report.loadavgEnd = loadavg().map((x) => x.toFixed(2));

// ---- summary ----
const startupRun = (prefix: string) => timed.find((t) => t.command.startsWith(prefix) && t.lines === 0);
const out: string[] = [];
out.push(`| stage (in process, 1 thread) | items | ok | median /s | runs /s | RSS MiB |`);
out.push(`|---|---:|---:|---:|---|---:|`);
for (const s of stages)
  out.push(
    `| ${s.name} | ${s.items} | ${s.ok} | ${s.perSecond.toLocaleString('en')} | ${s.runsPerSecond.join(', ')} | ${s.rssMiB} |`,
  );
out.push('');
// Under load, wall-clock start-up varies a lot; CPU seconds (user + sys) minus the start-up's CPU
// seconds is the steadier per-core figure.
out.push(
  `| command (end to end) | input | lines | wall s | events/s wall | events/s wall excl. start-up | CPU s (user+sys) | events per CPU-s excl. start-up | max RSS MiB |`,
);
out.push(`|---|---|---:|---:|---:|---:|---:|---:|---:|`);
const fmt = (x: number) => Math.round(x).toLocaleString('en');
for (const t of timed) {
  const st = startupRun(t.command.startsWith('ralph') ? 'ralph start-up' : 'lrstream start-up');
  const cpu = t.user + t.sys;
  const stCpu = st ? st.user + st.sys : 0;
  const rate = t.lines ? fmt(t.lines / t.wall) : '-';
  const excl = t.lines && st && t.wall > st.wall ? fmt(t.lines / (t.wall - st.wall)) : '-';
  const perCpu = t.lines && cpu > stCpu ? fmt(t.lines / (cpu - stCpu)) : '-';
  out.push(
    `| ${t.command} | ${t.input} | ${t.lines} | ${t.wall} | ${rate} | ${excl} | ${cpu.toFixed(2)} | ${perCpu} | ${t.maxRssMiB} |`,
  );
}
out.push('');
out.push(
  `load average: start ${(report.loadavgStart as string[]).join(' ')}, end ${(report.loadavgEnd as string[]).join(' ')}; peak RSS of this process ${String(report.peakRssMiB)} MiB`,
);
process.stdout.write(out.join('\n') + '\n');
if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2) + '\n');
