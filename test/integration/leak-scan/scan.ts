// Looks for seeded values and their transforms in any JSON-like value: every string leaf and every
// object key, JSON text inside strings and bytes decoded, each hit reported with where and path.
import { createHash } from 'node:crypto';
import type { Seed } from './corpus.js';

export interface Hit {
  seed: string;
  kind: string;
  transform: string;
  where: string;
  path: string;
}

interface Form {
  seed: Seed;
  transform: string;
  needle: string;
  caseless: boolean;
  /** Digits only: a hit must not sit inside a longer number. */
  numeric: boolean;
}

const digest = (algorithm: string, v: string) => createHash(algorithm).update(v, 'utf8').digest('hex');

/** Every form of a seed that counts as the seed: the value and its usual encodings and hashes. */
export function formsOf(seed: Seed): Form[] {
  const v = seed.value;
  const lower = v.toLowerCase();
  const forms: Form[] = [];
  const add = (transform: string, needle: string, caseless = true) => {
    if (needle.length > 0 && !forms.some((f) => f.needle === needle && f.caseless === caseless))
      forms.push({ seed, transform, needle, caseless, numeric: /^\d+$/.test(needle) });
  };
  add('raw', v, false);
  add('lowercase', lower);
  add('percent-encoded', encodeURIComponent(v));
  add('form-encoded', new URLSearchParams({ x: v }).toString().slice(2));
  add('base64', Buffer.from(v).toString('base64').replace(/=+$/, ''), false);
  add('base64url', Buffer.from(v).toString('base64url'), false);
  for (const a of ['sha1', 'md5', 'sha256']) {
    add(a, digest(a, v));
    add(`${a}(lowercase)`, digest(a, lower));
  }
  if (seed.kind === 'email') add('sha1(mailto:)', digest('sha1', `mailto:${lower}`));
  add('nfd', v.normalize('NFD'));
  add('nfc', v.normalize('NFC'));
  add('ascii-folded', v.normalize('NFD').replace(/\p{M}/gu, ''));
  return forms;
}

export class Scanner {
  private readonly forms: Form[];
  readonly hits: Hit[] = [];

  constructor(seeds: readonly Seed[]) {
    this.forms = seeds.flatMap(formsOf);
  }

  /** Scans one string (and, when it is JSON, its parsed content). */
  scanText(text: string, where: string, path: string): void {
    this.match(text, where, path);
    const t = text.trimStart();
    if ((t.startsWith('{') || t.startsWith('[')) && text.length < 5_000_000) {
      try {
        this.scanValue(JSON.parse(text), where, `${path}>`);
      } catch {
        // Not JSON: the text itself was scanned.
      }
    }
  }

  /** Scans a decoded value: string leaves, object keys, bytes as UTF-8 (and JSON inside). */
  scanValue(value: unknown, where: string, path = ''): void {
    if (typeof value === 'string') this.scanText(value, where, path || '/');
    else if (typeof value === 'number' || typeof value === 'bigint')
      this.match(String(value), where, path || '/');
    else if (Buffer.isBuffer(value) || value instanceof Uint8Array)
      this.scanText(Buffer.from(value).toString('utf8'), where, path || '/');
    else if (Array.isArray(value)) value.forEach((v, i) => this.scanValue(v, where, `${path}/${i}`));
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) {
        this.match(k, where, `${path}/{key}`);
        this.scanValue(v, where, `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      }
  }

  private match(text: string, where: string, path: string): void {
    if (text.length < 4) return;
    const lower = text.toLowerCase();
    const found = new Set<string>();
    for (const f of this.forms) {
      if (found.has(f.seed.id)) continue;
      const hay = f.caseless ? lower : text;
      const needle = f.caseless ? f.needle.toLowerCase() : f.needle;
      let at = hay.indexOf(needle);
      if (f.numeric)
        while (at >= 0 && (/\d/.test(hay[at - 1] ?? '') || /\d/.test(hay[at + needle.length] ?? '')))
          at = hay.indexOf(needle, at + 1);
      if (at < 0) continue;
      found.add(f.seed.id);
      this.hits.push({ seed: f.seed.id, kind: f.seed.kind, transform: f.transform, where, path });
    }
  }
}

/** Hits grouped for a report: `seed [transform] where path`, de-duplicated. */
export function describeHits(hits: readonly Hit[]): string[] {
  return [...new Set(hits.map((h) => `${h.seed} (${h.kind}) [${h.transform}] ${h.where} ${h.path}`))];
}
