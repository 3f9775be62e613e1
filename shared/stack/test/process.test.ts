// `down` must stop exactly what `up` started, children included: checked with a real process tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runningPid, spawnDetached, stopGroup } from '../src/process.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a started process group is recorded, then stopped with its children', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrstream-process-'));
  try {
    const pidFile = join(dir, 'x.pid');
    const childPidFile = join(dir, 'child.pid');
    // A parent that starts a child which ignores nothing: both must be gone after stopGroup.
    const pid = spawnDetached({
      command: 'sh',
      args: ['-c', `sleep 300 & echo $! > ${childPidFile}; wait`],
      cwd: dir,
      env: process.env,
      logFile: join(dir, 'x.log'),
      pidFile,
    });
    assert.equal(runningPid(pidFile), pid);
    while (!existsSync(childPidFile) || readFileSync(childPidFile, 'utf8').trim() === '') {
      await new Promise((r) => setTimeout(r, 20));
    }
    const child = Number(readFileSync(childPidFile, 'utf8').trim());
    assert.ok(alive(child));
    assert.equal(await stopGroup(pidFile, 5000), true);
    assert.equal(alive(pid), false);
    assert.equal(alive(child), false);
    assert.equal(existsSync(pidFile), false);
    assert.equal(await stopGroup(pidFile), false, 'a second stop finds nothing to stop');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stale pid file (process gone) is not reported as running', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrstream-process-'));
  try {
    const pidFile = join(dir, 'x.pid');
    const pid = spawnDetached({
      command: 'true',
      args: [],
      cwd: dir,
      env: process.env,
      logFile: join(dir, 'x.log'),
      pidFile,
    });
    const deadline = Date.now() + 5000;
    // Yield to the event loop so the exited child is reaped (a zombie still answers signal 0).
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(runningPid(pidFile), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
