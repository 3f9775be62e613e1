// `lrstream convert --from edx --to xapi`: the counterpart of `ralph convert`. One xAPI statement
// per output line; every statement passes xAPI 1.0.3 validation before it is written.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  convertOpenedxParsed,
  createRalphConverter,
  parseEdxLine,
  ralphConvertLine,
  validateXapiStatement,
} from '@lrstream/domain';
import type { Issue, OpenedxOptions, RalphConverter } from '@lrstream/domain';
import { runLines } from './io/lines.js';
import type { InputLine, LineVerdict } from './io/lines.js';

const HELP = `Usage: lrstream convert --from edx --to xapi --platform-url URL [options] [FILE]

Reads one edX event per line from FILE or stdin (gzip is detected and decompressed), writes one
xAPI statement per line to stdout, and one JSON error record per line that gave no statement to
stderr: {"line": N, "code": "...", "message": "...", "pointer": "/json/pointer", ...}.
Every statement is checked against xAPI 1.0.3 before it is written; a failing one is an error.

Options:
  -f, --from edx              input format (required, only edx)
  -t, --to xapi               output format (required, only xapi)
      --profile ralph|openedx ralph (default): the statements "ralph convert" writes, same ids
                              (uuid5 of the raw line); openedx: the statements Open edX
                              event-routing-backends writes (several for a multi-question problem)
  -p, --platform-url URL      LMS root URL: actor account home page and base of object ids (required)
  -u, --uuid-namespace UUID   ralph: namespace of the uuid5 statement ids (required for ralph; default
                              $RALPH_CONVERTER_EDX_XAPI_UUID_NAMESPACE, as Ralph)
      --actor-ids FILE        openedx: JSON object, LMS user id or username -> actor account name
                              (default: the LMS user id, then the username)
      --course-names FILE     openedx: JSON object, course id -> course display name
  -I, --ignore-errors         keep going after a line that fails (exit 0); default: stop, exit 1
  -F, --fail-on-unknown       stop (exit 1) at the first event the profile cannot convert;
                              default: report it and go on
      --summary               finish with {"summary": {...}} (line, output, error counts) on stderr
  -h, --help                  this help

Exit codes: 0 done, 1 stopped at a failing (or, with -F, unconvertible) line, 2 usage error.
`;

export async function convertCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        from: { type: 'string', short: 'f' },
        to: { type: 'string', short: 't' },
        profile: { type: 'string', default: 'ralph' },
        'platform-url': { type: 'string', short: 'p' },
        'uuid-namespace': { type: 'string', short: 'u' },
        'actor-ids': { type: 'string' },
        'course-names': { type: 'string' },
        'ignore-errors': { type: 'boolean', short: 'I', default: false },
        'fail-on-unknown': { type: 'boolean', short: 'F', default: false },
        summary: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    return usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.from !== 'edx') return usage('--from must be edx');
  if (values.to !== 'xapi') return usage('--to must be xapi');
  if (values.profile !== 'ralph' && values.profile !== 'openedx')
    return usage('--profile must be ralph or openedx');
  const platformUrl = values['platform-url'];
  if (!platformUrl) return usage('--platform-url is required');
  if (positionals.length > 1) return usage('at most one input file');

  let handle: (line: InputLine) => LineVerdict;
  try {
    if (values.profile === 'ralph') {
      const uuidNamespace = values['uuid-namespace'] ?? process.env.RALPH_CONVERTER_EDX_XAPI_UUID_NAMESPACE;
      if (!uuidNamespace) return usage('--uuid-namespace is required with the ralph profile');
      handle = ralphHandler(createRalphConverter({ platformUrl, uuidNamespace }));
    } else {
      handle = openedxHandler(
        openedxOptions(
          platformUrl,
          readMap(values['actor-ids'], '--actor-ids'),
          readMap(values['course-names'], '--course-names'),
        ),
      );
    }
  } catch (err) {
    return usage((err as Error).message);
  }
  return runLines(
    {
      path: positionals[0],
      ignoreErrors: values['ignore-errors'],
      failOnUnknown: values['fail-on-unknown'],
      summary: values.summary,
      skipBlank: true,
      requireUtf8: true,
    },
    handle,
  );
}

function usage(message: string): number {
  process.stderr.write(`lrstream convert: ${message}\n\n${HELP}`);
  return 2;
}

function readMap(path: string | undefined, flag: string): Record<string, string> {
  if (path === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${flag}: cannot read ${path}: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${flag}: ${path} must hold a JSON object`);
  }
  return value as Record<string, string>;
}

/** The same user and course look-ups as the convert service, from in-memory maps. */
export function openedxOptions(
  platformUrl: string,
  actorIds: Record<string, string>,
  courseNames: Record<string, string>,
): OpenedxOptions {
  return {
    lmsRootUrl: platformUrl.replace(/\/+$/, ''),
    actorId: (user) =>
      (user.userId !== undefined ? actorIds[String(user.userId)] : undefined) ??
      (user.username !== undefined ? actorIds[user.username] : undefined) ??
      (user.userId !== undefined && user.userId !== '' ? String(user.userId) : undefined) ??
      (user.username || undefined),
    courseName: (courseId) => courseNames[courseId],
  };
}

/** Validates the statements of one line; any failure makes the whole line an error (no partial output). */
function checked(statements: readonly Record<string, unknown>[]): LineVerdict {
  const lines: string[] = [];
  for (const [index, statement] of statements.entries()) {
    const issues = validateXapiStatement(statement);
    if (issues.length > 0) {
      const prefix = statements.length > 1 ? `/${index}` : '';
      return {
        kind: 'error',
        issues: issues.map((i): Issue => ({
          ...i,
          code: `CONVERT_INVALID_XAPI:${i.code}`,
          message: `Converted statement is not valid xAPI: ${i.message}`,
          pointer: prefix + i.pointer,
        })),
      };
    }
    lines.push(JSON.stringify(statement));
  }
  return { kind: 'output', lines };
}

export function ralphHandler(converter: RalphConverter): (line: InputLine) => LineVerdict {
  return (line) => {
    // The raw line, terminator included: Ralph's statement id is the uuid5 of exactly that text.
    const result = ralphConvertLine(converter, line.raw);
    if (result.status === 'unsupported') return { kind: 'unknown', issues: result.issues };
    if (result.status === 'invalid' || !result.statement) return { kind: 'error', issues: result.issues };
    return checked([result.statement]);
  };
}

export function openedxHandler(options: OpenedxOptions): (line: InputLine) => LineVerdict {
  return (line) => {
    const parsed = parseEdxLine(line.text);
    if (!parsed.ok) return { kind: 'error', issues: [parsed.issue] };
    // The parsed form lets the converter reuse the payload the parser has already decoded.
    const result = convertOpenedxParsed(parsed.event, options);
    if (result.status === 'unsupported') return { kind: 'unknown', issues: result.issues };
    if (result.status === 'skipped') return { kind: 'skipped', issues: result.issues };
    return checked(result.statements);
  };
}
