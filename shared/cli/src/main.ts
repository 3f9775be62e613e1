// The `lrstream` command line: one entry point, one module per command.
import { demoCommand } from './commands/demo.js';
import { stackCommand } from './commands/stack.js';

const HELP = `Usage: lrstream <command> [options]

Commands:
  demo [--once]                   the main job on the embedded local stack
  stack up|down|status|env|logs   the local infrastructure (Kafka, registry, Elasticsearch, Prometheus)

Run "lrstream <command> --help" for a command's options.
`;

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  demo: demoCommand,
  stack: stackCommand,
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
