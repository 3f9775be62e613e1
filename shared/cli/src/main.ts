// The `lrstream` command line: one entry point, one module per command. Commands are imported on
// demand: the line commands (validate, convert, extract) then start without loading the Kafka,
// HTTP and Elasticsearch clients the service commands need (~0.25 s of start-up).
const HELP = `Usage: lrstream <command> [options]

Commands:
  demo [--once]                   the main job on the embedded local stack
  run <service>|all               start pipeline services (ingest, validate, convert, anonymize, index)
  ingest file <path...> | --stdin tracking logs and xAPI NDJSON into the raw topic
  stack up|down|status|env|logs   the local infrastructure (Kafka, registry, Elasticsearch, Prometheus)
  topics apply                    create the catalogue's topics and register its schemas (stack up does)
  replay rewind|dlq|reindex|archive  reprocess: move a group back, redrive dead letters, reindex, re-inject archives
  validate --format edx|xapi      validate NDJSON events/statements (as "ralph validate")
  convert --from edx --to xapi    convert edX events to xAPI statements (as "ralph convert")
  extract --parser gelf|es        take events out of GELF records or Elasticsearch hits (as "ralph extract")
  export opendata --out <dir>     k-anonymous aggregated CSV datasets (Frictionless) from the index

Run "lrstream <command> --help" for a command's options.
`;

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  demo: async () => (await import('./commands/demo.js')).demoCommand,
  run: async () => (await import('./commands/run.js')).runCommand,
  ingest: async () => (await import('./commands/ingest.js')).ingestCommand,
  stack: async () => (await import('./commands/stack.js')).stackCommand,
  topics: async () => (await import('./commands/topics.js')).topicsCommand,
  replay: async () => (await import('./commands/replay.js')).replayCommand,
  validate: async () => (await import('./commands/validate.js')).validateCommand,
  convert: async () => (await import('./commands/convert.js')).convertCommand,
  extract: async () => (await import('./commands/extract.js')).extractCommand,
  export: async () => (await import('./commands/export.js')).exportCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return name === undefined ? 2 : 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    process.stderr.write(`lrstream: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  const command = await load();
  return command(rest);
}
