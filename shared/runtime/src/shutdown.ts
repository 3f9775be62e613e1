// Graceful shutdown: on SIGTERM/SIGINT run the closers in order (stop fetching and finish the batch
// in hand first, then the servers), and exit; a hard deadline bounds the whole thing.
import type { Logger } from 'pino';

export function onShutdown(log: Logger, closers: Array<() => Promise<void>>, deadlineMs = 30_000): void {
  let closing = false;
  const close = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error({ deadlineMs }, 'shutdown deadline passed, exiting');
      process.exit(1);
    }, deadlineMs);
    deadline.unref();
    (async () => {
      for (const closer of closers) await closer();
    })().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}
