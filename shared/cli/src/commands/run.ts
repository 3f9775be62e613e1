// `lrstream run <service>|all`: each service is its own process (node services/<name>/dist/main.js).
// `all` starts the five, in reverse pipeline order so consumers are ready before producers, and
// forwards SIGINT/SIGTERM so each finishes its batch, commits and exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { localServiceEnv } from '../local-env.js';

export const SERVICES = ['index', 'anonymize', 'convert', 'validate', 'ingest'] as const;
/** Services beside the pipeline, started by name only (not by `all`). */
export const EXTRA_SERVICES = ['archive'] as const;
export type ServiceName = (typeof SERVICES)[number] | (typeof EXTRA_SERVICES)[number];

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

export function serviceEntry(name: ServiceName): string {
  const entry = `${repoRoot}services/${name}/dist/main.js`;
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build first (npm run build).`);
  return entry;
}

export function startServiceProcess(
  name: ServiceName,
  env: NodeJS.ProcessEnv,
  stdio: 'inherit' | 'pipe' = 'inherit',
): ChildProcess {
  return spawn(process.execPath, [serviceEntry(name)], {
    env,
    stdio: stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
  });
}

const HELP = `Usage: lrstream run <${[...SERVICES, ...EXTRA_SERVICES].join('|')}|all>

Starts a pipeline service (or all five) with the configuration from the environment. Without
KAFKA_BROKERS etc. the local stack's addresses are used, with local development secrets.
archive (the raw topic into a directory or S3, see docs/replay.md ("Archive beyond retention")) is started by name.
`;

export async function runCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' } },
  });
  const target = positionals[0];
  if (values.help || !target) {
    process.stdout.write(HELP);
    return target ? 0 : 2;
  }
  const names: ServiceName[] =
    target === 'all'
      ? [...SERVICES]
      : [...SERVICES, ...EXTRA_SERVICES].includes(target as ServiceName)
        ? [target as ServiceName]
        : [];
  if (names.length === 0) {
    process.stderr.write(`lrstream run: unknown service "${target}"\n\n${HELP}`);
    return 2;
  }
  const { env } = await localServiceEnv();
  const children = names.map((name) => ({ name, child: startServiceProcess(name, env) }));
  const forward = (signal: NodeJS.Signals) => children.forEach(({ child }) => child.kill(signal));
  process.on('SIGINT', () => forward('SIGINT'));
  process.on('SIGTERM', () => forward('SIGTERM'));
  const codes = await Promise.all(
    children.map(
      ({ name, child }) =>
        new Promise<number>((resolve) =>
          child.on('exit', (code, signal) => {
            if (code !== 0) process.stderr.write(`lrstream run: ${name} exited (${signal ?? code})\n`);
            // One service down means the pipeline is not whole: stop the others too.
            forward('SIGTERM');
            resolve(code ?? 1);
          }),
        ),
    ),
  );
  return Math.max(...codes);
}
