// `lrstream validate --format edx|xapi`: the counterpart of `ralph validate`. Reads NDJSON, writes
// every valid line unchanged to stdout and one JSON error record per rejected line to stderr.
import { parseArgs } from 'node:util';
import { parseEdxLine, validateEdxEvent, validateEdxRecord, validateXapiStatements } from '@lrstream/domain';
import type { EdxValidationMode, Issue } from '@lrstream/domain';
import { runLines } from './io/lines.js';
import type { InputLine, LineVerdict } from './io/lines.js';

const HELP = `Usage: lrstream validate --format edx|xapi [options] [FILE]

Reads one event (edx) or statement (xapi) per line from FILE or stdin (gzip is detected and
decompressed), writes each valid line unchanged (byte for byte, line end included) to stdout,
and one JSON error record per rejected line to stderr:
  {"line": N, "code": "...", "message": "...", "pointer": "/json/pointer", ...}

Options:
  -f, --format edx|xapi   input format (required)
      --strict            edx: reject fields Ralph's models do not declare, as Ralph does. Without it
                          validation is LENIENT (unknown fields and IPv6 addresses allowed), because
                          newer Open edX releases add fields Ralph 5 does not know. Ralph is strict.
  -I, --ignore-errors     keep going after an invalid line (exit 0); default: stop at the first, exit 1
  -F, --fail-on-unknown   stop (exit 1) at the first edx event no model matches; default: report and skip
      --summary           finish with {"summary": {...}} (line, output, error counts) on stderr
  -h, --help              this help

Lines may also carry a logger prefix (syslog, Python logging) or be GELF records; the edX JSON
inside is validated and written out as written there. Blank lines are ignored; a line that is
not UTF-8 is rejected (LINE_NOT_UTF8).
Exit codes: 0 done, 1 stopped at an invalid (or, with -F, unknown) line, 2 usage error.
`;

const XAPI_PARSE_JSON = 'XAPI_PARSE_JSON';

export async function validateCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        format: { type: 'string', short: 'f' },
        strict: { type: 'boolean', default: false },
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
  if (values.format !== 'edx' && values.format !== 'xapi') {
    return usage(
      `--format must be edx or xapi (got ${values.format === undefined ? 'nothing' : `"${values.format}"`})`,
    );
  }
  if (positionals.length > 1) return usage('at most one input file');
  const handle = values.format === 'edx' ? edxHandler(values.strict ? 'strict' : 'lenient') : xapiHandler;
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
  process.stderr.write(`lrstream validate: ${message}\n\n${HELP}`);
  return 2;
}

export function edxHandler(mode: EdxValidationMode): (line: InputLine) => LineVerdict {
  return (line) => {
    const parsed = parseEdxLine(line.text);
    if (!parsed.ok) return notAnEvent(line.text, mode) ?? { kind: 'error', issues: [parsed.issue] };
    const result = validateEdxEvent(parsed.event, { mode });
    if (result.status === 'unknown') return { kind: 'unknown', issues: result.issues };
    if (result.status === 'invalid') return { kind: 'error', issues: result.issues };
    // Plain JSON lines go out byte for byte, terminator included (ralph-profile ids hash the raw
    // line); a prefixed or GELF line goes out as the edX JSON it carries, as written, with the
    // line's terminator.
    if (parsed.format === 'json') return { kind: 'output', lines: [line.raw], verbatim: true };
    const json = parsed.jsonText ?? JSON.stringify(parsed.event.original);
    return { kind: 'output', lines: [json + line.raw.slice(line.text.length)], verbatim: true };
  };
}

/**
 * A line holding JSON that is not an object (an array, a number, a string, null) is an event no
 * model matches, as Ralph's selector finds none for it: `unknown`, not an error.
 */
function notAnEvent(text: string, mode: EdxValidationMode): LineVerdict | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const result = validateEdxRecord(value, { mode });
  return result.status === 'unknown' ? { kind: 'unknown', issues: result.issues } : undefined;
}

export function xapiHandler(line: InputLine): LineVerdict {
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch {
    return {
      kind: 'error',
      issues: [
        { code: XAPI_PARSE_JSON, message: 'The line is not valid JSON.', pointer: '', expected: 'JSON' },
      ],
    };
  }
  // A line may hold one statement or a batch (array), as POSTed to /statements.
  const issues: Issue[] = [];
  for (const result of validateXapiStatements(value)) issues.push(...result.issues);
  return issues.length === 0
    ? { kind: 'output', lines: [line.raw], verbatim: true }
    : { kind: 'error', issues };
}
