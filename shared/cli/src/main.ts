// The `lrstream` command line: one entry point, one module per command.
import { demoCommand } from './commands/demo.js';
import { ingestCommand } from './commands/ingest.js';
import { runCommand } from './commands/run.js';
import { stackCommand } from './commands/stack.js';
import { validateCommand } from './commands/validate.js';
import { convertCommand } from './commands/convert.js';
import { extractCommand } from './commands/extract.js';
import { exportCommand } from './commands/export.js';

const HELP = `Usage: lrstream <command> [options]

Commands:
  demo [--once]                   the main job on the embedded local stack
  run <service>|all               start pipeline services (ingest, validate, convert, anonymize, index)
  ingest file <path...> | --stdin tracking logs and xAPI NDJSON into the raw topic
  stack up|down|status|env|logs   the local infrastructure (Kafka, registry, Elasticsearch, Prometheus)
  validate --format edx|xapi      validate NDJSON events/statements (as "ralph validate")
  convert --from edx --to xapi    convert edX events to xAPI statements (as "ralph convert")
  extract --parser gelf|es        take events out of GELF records or Elasticsearch hits (as "ralph extract")
  export opendata --out <dir>     k-anonymous aggregated CSV datasets (Frictionless) from the index

Run "lrstream <command> --help" for a command's options.
`;

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  demo: demoCommand,
  run: runCommand,
  ingest: ingestCommand,
  stack: stackCommand,
  validate: validateCommand,
  convert: convertCommand,
  extract: extractCommand,
  export: exportCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`lrstream: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  return command(rest);
}
