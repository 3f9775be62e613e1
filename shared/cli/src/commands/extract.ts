// `lrstream extract --parser gelf|es`: the counterpart of `ralph extract`. Takes edX events (or
// any documents) out of their container, one per output line.
import { parseArgs } from 'node:util';
import { extractEdxEsSource, extractEdxGelf, listEdxEsHits } from '@lrstream/domain';
import type { Issue } from '@lrstream/domain';
import { runLines } from './io/lines.js';
import type { InputLine, LineVerdict } from './io/lines.js';

const HELP = `Usage: lrstream extract --parser gelf|es [options] [FILE]

Reads one container record per line from FILE or stdin (gzip is detected and decompressed) and
writes the events inside, one per line, to stdout. Records that hold no event are reported on
stderr as JSON error records and skipped; extraction never stops early (as Ralph).

Options:
  -p, --parser gelf|es   gelf: the edX JSON of each GELF record's short_message (logger prefix
                         removed; full_message is used when short_message holds no JSON);
                         es: the _source of each Elasticsearch hit; a line may be one hit or a
                         whole search / scroll response (every hits.hits[]._source is written)
      --summary          finish with {"summary": {...}} (line, output, error counts) on stderr
  -h, --help             this help

Exit codes: 0 done, 2 usage error.
`;

const JSON_ISSUE: Issue = {
  code: 'EXTRACT_JSON',
  message: 'The line is not valid JSON.',
  pointer: '',
  expected: 'one JSON document per line',
};

export async function extractCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        parser: { type: 'string', short: 'p' },
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
  if (values.parser !== 'gelf' && values.parser !== 'es') return usage('--parser must be gelf or es');
  if (positionals.length > 1) return usage('at most one input file');
  return runLines(
    {
      path: positionals[0],
      ignoreErrors: true,
      failOnUnknown: false,
      summary: values.summary,
      skipBlank: true,
    },
    values.parser === 'gelf' ? gelfHandler : esHandler,
  );
}

function usage(message: string): number {
  process.stderr.write(`lrstream extract: ${message}\n\n${HELP}`);
  return 2;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

export function gelfHandler(line: InputLine): LineVerdict {
  const parsed = parseJson(line.text);
  if (!parsed.ok) return { kind: 'error', issues: [JSON_ISSUE] };
  const inner = extractEdxGelf(parsed.value);
  if (!inner.ok) return { kind: 'error', issues: [inner.issue] };
  // Write the message text itself from its first "{" (no re-serialisation: the bytes stay those
  // the LMS logged), taken from the same field extractEdxGelf read.
  const record = parsed.value as Record<string, unknown>;
  for (const key of ['short_message', 'full_message']) {
    const text = record[key];
    if (typeof text === 'string' && text.includes('{')) {
      return { kind: 'output', lines: [text.slice(text.indexOf('{')).trimEnd()] };
    }
  }
  return { kind: 'output', lines: [JSON.stringify(inner.value)] };
}

export function esHandler(line: InputLine): LineVerdict {
  const parsed = parseJson(line.text);
  if (!parsed.ok) return { kind: 'error', issues: [JSON_ISSUE] };
  const value = parsed.value;
  const isResponse =
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !('_source' in value) &&
    'hits' in value;
  // A search or scroll page may legitimately hold no hits (the last scroll page): nothing to write.
  const hits = isResponse ? listEdxEsHits(value) : [value];
  if (isResponse && hits.length === 0 && !hasHitsArray(value)) {
    return {
      kind: 'error',
      issues: [
        {
          code: 'EXTRACT_ES_NO_HITS',
          message: 'The line is neither an Elasticsearch hit nor a search response with hits.hits.',
          pointer: '/hits/hits',
          expected: 'a hit with _source, or {"hits": {"hits": [...]}}',
        },
      ],
    };
  }
  const lines: string[] = [];
  for (const [index, hit] of hits.entries()) {
    const source = extractEdxEsSource(hit);
    if (!source.ok) {
      const pointer = isResponse ? `/hits/hits/${index}/_source` : source.issue.pointer;
      return { kind: 'error', issues: [{ ...source.issue, pointer }] };
    }
    lines.push(JSON.stringify(source.value));
  }
  return { kind: 'output', lines };
}

function hasHitsArray(value: object): boolean {
  const outer = (value as { hits?: unknown }).hits;
  return typeof outer === 'object' && outer !== null && Array.isArray((outer as { hits?: unknown }).hits);
}
