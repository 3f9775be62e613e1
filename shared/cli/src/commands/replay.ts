// `lrstream replay <operation>`: reprocessing as one safe, observable command per case (docs/replay.md).
// Each operation lives in its own module under ./replay/, loaded on demand.
const HELP = `Usage: lrstream replay <operation> [options]

Operations:
  rewind   move a stage's consumer group back (timestamp, offset, earliest, first dead letter of a code)
  dlq      list dead letters, or redrive them into their stage's input topic
  reindex  build a new generation of the Elasticsearch indices and swap the read alias
  archive  re-inject archived events (lrstream archive) into the pipeline

Run "lrstream replay <operation> --help" for its options; docs/replay.md has a runbook per case.
`;

type Operation = (args: string[]) => Promise<number>;

const OPERATIONS: Record<string, () => Promise<Operation>> = {
  rewind: async () => (await import('./replay/rewind.js')).replayRewindCommand,
  reindex: async () => (await import('./replay/reindex.js')).replayReindexCommand,
  dlq: async () => (await import('./replay/dlq.js')).replayDlqCommand,
  archive: async () => (await import('./replay/archive.js')).replayArchiveCommand,
};

export async function replayCommand(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(HELP);
    return name === undefined ? 2 : 0;
  }
  const load = Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name] : undefined;
  if (!load) {
    process.stderr.write(`lrstream replay: unknown operation "${name}"\n\n${HELP}`);
    return 2;
  }
  return (await load())(rest);
}
