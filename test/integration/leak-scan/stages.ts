// Pipeline stages as child processes (`node --import tsx services/<name>/src/main.ts`), so that
// their real log output can be captured and scanned. A stage is up when its "started" line has
// been printed and its /readyz answers 200.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@lrstream/test';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface LogLine {
  service: string;
  text: string;
}

export interface ChildStage {
  service: string;
  /** ingest only: its HTTP base URL. */
  url?: string;
  stop(): Promise<void>;
}

export async function startChildStage(
  service: 'ingest' | 'validate' | 'convert' | 'anonymize' | 'index',
  env: NodeJS.ProcessEnv,
  logs: LogLine[],
  label: string = service,
): Promise<ChildStage> {
  const child = spawn(process.execPath, ['--import', 'tsx', `services/${service}/src/main.ts`], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A crashed test must not leave its stages running.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  child.once('exit', () => process.removeListener('exit', orphanGuard));
  const own: string[] = [];
  let buffer = '';
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const text of lines.filter(Boolean)) {
      own.push(text);
      logs.push({ service: label, text });
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  try {
    const started = await waitFor(
      `${label} started and ready`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${label} exited: ${own.join('\n')}`);
        const line = own
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => /started/i.test(String(l.msg)) && l.metricsPort !== undefined);
        if (!line) return undefined;
        const ok = await fetch(`http://127.0.0.1:${String(line.metricsPort)}/readyz`)
          .then((r) => r.ok)
          .catch(() => false);
        return ok ? line : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    return { service: label, url: typeof started.url === 'string' ? started.url : undefined, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
