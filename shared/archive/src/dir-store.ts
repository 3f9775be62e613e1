// The local-directory backend: one file per key under a root folder. A put writes a temporary file
// beside the target, flushes it to disk and renames it over the target (atomic on POSIX), so a
// crash leaves the old object or the new one, never half of one. Temporary files of a crash are
// named `.tmp-*` and are ignored by list().
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import {
  assertKey,
  StoreRefusedError,
  storeUnavailable,
  type ObjectStore,
  type StoredObject,
} from './store.js';

const TMP = '.tmp-';

/** Disk full, read-only, permission: the operator's to fix; other I/O errors may pass. */
const REFUSED_ERRNO = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOTDIR', 'EISDIR']);

function fail(what: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (REFUSED_ERRNO.has(code))
    return new StoreRefusedError(`The archive folder refused ${what} (${code}).`, { cause: err });
  return storeUnavailable(what, err);
}

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

export function createDirStore(root: string): ObjectStore {
  const path = (key: string) => {
    assertKey(key);
    return join(root, ...key.split('/'));
  };

  async function walk(dir: string, out: StoredObject[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return;
      throw fail('a listing', err);
    }
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full, out);
      else if (entry.isFile() && !entry.name.startsWith(TMP)) {
        const info = await stat(full).catch(() => undefined);
        if (info) out.push({ key: relative(root, full).split(sep).join('/'), size: info.size });
      }
    }
  }

  return {
    description: `dir:${root}`,
    async put(key, body) {
      const target = path(key);
      const tmp = join(dirname(target), `${TMP}${randomBytes(6).toString('hex')}`);
      try {
        await mkdir(dirname(target), { recursive: true });
        const handle = await open(tmp, 'w', 0o640);
        try {
          await handle.writeFile(body);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(tmp, target);
      } catch (err) {
        await unlink(tmp).catch(() => undefined);
        throw fail('a write', err);
      }
    },
    async get(key) {
      try {
        return await readFile(path(key));
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw fail('a read', err);
      }
    },
    async head(key) {
      try {
        const info = await stat(path(key));
        return info.isFile() ? { key, size: info.size } : undefined;
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw fail('a stat', err);
      }
    },
    async list(prefix) {
      // Walk only the deepest folder the prefix names completely.
      const cut = prefix.lastIndexOf('/');
      const base = cut >= 0 ? prefix.slice(0, cut) : '';
      if (base) assertKey(base);
      const out: StoredObject[] = [];
      await walk(base ? join(root, ...base.split('/')) : root, out);
      return out.filter((o) => o.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : 1));
    },
    async delete(key) {
      try {
        await rm(path(key), { force: true });
      } catch (err) {
        throw fail('a delete', err);
      }
    },
  };
}
