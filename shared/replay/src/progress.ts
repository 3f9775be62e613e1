// Terminal progress for long replays: one line rewritten in place on a terminal, a line every few
// seconds otherwise (CI logs, pipes). Counts and rates only: never a record's content.
export interface ProgressOptions {
  label: string;
  /** Records expected in all, when known: enables percent and ETA. */
  total?: number;
  out?: NodeJS.WriteStream;
  now?: () => number;
}

export interface Progress {
  /** Sets the records done so far (and the new total, when it changed). */
  update(done: number, total?: number): void;
  /** Prints the final line. */
  finish(summary?: string): void;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function createProgress(options: ProgressOptions): Progress {
  const out = options.out ?? process.stderr;
  const now = options.now ?? Date.now;
  const started = now();
  const tty = Boolean(out.isTTY);
  const every = tty ? 250 : 5000;
  let total = options.total;
  let done = 0;
  let last = 0;
  const line = (): string => {
    const elapsed = now() - started;
    const rate = elapsed > 0 ? (done * 1000) / elapsed : 0;
    const parts = [`${options.label}: ${done}${total !== undefined ? `/${total}` : ''} records`];
    if (total !== undefined && total > 0) parts.push(`${Math.min(100, Math.floor((done * 100) / total))}%`);
    parts.push(`${rate.toFixed(0)} records/s`);
    if (total !== undefined && rate > 0) parts.push(`ETA ${formatDuration(((total - done) * 1000) / rate)}`);
    parts.push(`elapsed ${formatDuration(elapsed)}`);
    return parts.join(', ');
  };
  return {
    update(value, newTotal) {
      done = value;
      if (newTotal !== undefined) total = newTotal;
      const t = now();
      if (t - last < every) return;
      last = t;
      out.write(tty ? `\r${line()}\x1b[K` : `${line()}\n`);
    },
    finish(summary) {
      out.write(`${tty ? '\r' : ''}${line()}${summary ? ` - ${summary}` : ''}${tty ? '\x1b[K' : ''}\n`);
    },
  };
}
