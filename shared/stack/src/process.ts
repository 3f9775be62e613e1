// Starting and stopping the stack's processes. Each component runs in its own process group so that
// `down` can stop exactly what `up` started (the recorded group), children included, and nothing else.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

export interface SpawnSpec {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  pidFile: string;
  uid?: number;
  gid?: number;
}

/** Starts a detached process group writing to `logFile`, and records its pid. */
export function spawnDetached(spec: SpawnSpec): number {
  const out = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', out, out],
      ...(spec.uid !== undefined ? { uid: spec.uid } : {}),
      ...(spec.gid !== undefined ? { gid: spec.gid } : {}),
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.command}`);
    child.unref();
    writeFileSync(spec.pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

/** The recorded pid, if its process (group leader) is still alive. */
export function runningPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return isGroupAlive(pid) ? pid : undefined;
}

function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    // EPERM means it exists but belongs to another user (the Elasticsearch user): still alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stops the process group recorded in `pidFile`: SIGTERM, then SIGKILL after `graceMs`.
 * Returns true when something was stopped. The pid file is removed either way.
 */
export async function stopGroup(pidFile: string, graceMs = 20_000): Promise<boolean> {
  const pid = runningPid(pidFile);
  if (pid === undefined) {
    rmSync(pidFile, { force: true });
    return false;
  }
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isGroupAlive(pid) && Date.now() < deadline) await sleep(200);
  if (isGroupAlive(pid)) {
    signalGroup(pid, 'SIGKILL');
    while (isGroupAlive(pid)) await sleep(100);
  }
  rmSync(pidFile, { force: true });
  return true;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Resident memory of a whole process group in bytes (Linux /proc), or undefined. */
export function groupRssBytes(pgid: number): number | undefined {
  let total = 0;
  let found = false;
  try {
    for (const entry of readdirProc()) {
      const stat = safeRead(`/proc/${entry}/stat`);
      if (!stat) continue;
      // Field 5 (pgrp) comes after the parenthesised command name, which may contain spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      const status = safeRead(`/proc/${entry}/status`);
      const match = status?.match(/^VmRSS:\s+(\d+) kB/m);
      if (match?.[1]) {
        total += Number(match[1]) * 1024;
        found = true;
      }
    }
  } catch {
    return undefined;
  }
  return found ? total : undefined;
}

function readdirProc(): string[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d));
}

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
