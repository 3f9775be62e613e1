// `lrstream export opendata`: aggregated, k-anonymous open datasets from the anonymized index.
import { parseArgs } from 'node:util';
import { loadStackConfig, stackEnv } from '@lrstream/stack';
import { exportOpenData } from '../export/run.js';

const HELP = `Usage: lrstream export opendata --out <dir> [options]

Reads the anonymized xAPI index and writes aggregated CSV datasets ready to publish (per course,
video and day; per course and problem; per course and week), a datapackage.json (Frictionless
Data) and a README.md (method and caveats). Every published count stands for at least k distinct
learners; smaller cells are suppressed, with secondary suppression against totals.

Options:
      --out <dir>      output directory (created if needed)
      --k <n>          minimum distinct learners per published value (default 10, at least 2)
      --index <name>   index, alias or pattern to read (default lrstream-xapi)
      --es <url>       Elasticsearch URL (default $ELASTICSEARCH_URL, else the local stack)
  -h, --help           this help

Exit codes: 0 written, 1 failed, 2 usage error.
`;

export async function exportCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        k: { type: 'string', default: '10' },
        index: { type: 'string', default: 'lrstream-xapi' },
        es: { type: 'string' },
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
  if (positionals[0] !== 'opendata' || positionals.length !== 1)
    return usage('the only export is "opendata"');
  if (!values.out) return usage('--out <dir> is required');
  const k = Number(values.k);
  if (!Number.isInteger(k) || k < 2) return usage('--k must be an integer >= 2');
  const es =
    values.es ?? process.env.ELASTICSEARCH_URL ?? stackEnv(loadStackConfig(process.env)).ELASTICSEARCH_URL;
  try {
    const datasets = await exportOpenData({ es, index: values.index, out: values.out, k });
    for (const d of datasets)
      process.stderr.write(`${d.path}: ${d.published} rows published, ${d.suppressed} suppressed (k=${k})\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`lrstream export: ${(err as Error).message}\n`);
    return 1;
  }
}

function usage(message: string): number {
  process.stderr.write(`lrstream export: ${message}\n\n${HELP}`);
  return 2;
}
