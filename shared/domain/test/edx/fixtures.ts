// Loads the recorded Ralph verdicts (test/edx/fixtures/ralph-verdicts.json) and rebuilds its events.
import { readFileSync } from 'node:fs';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

interface Op {
  path: (string | number)[];
  value?: Json;
}

export interface RalphCase {
  id: number;
  label: string;
  base: string;
  ops: Op[];
  ralph: { status: 'valid' | 'invalid' | 'unknown'; model?: string | null; locs?: string[] };
}

interface VerdictFile {
  oracle: string;
  bases: Record<string, JsonObject>;
  cases: RalphCase[];
}

export const verdicts = JSON.parse(
  readFileSync(new URL('./fixtures/ralph-verdicts.json', import.meta.url), 'utf8'),
) as VerdictFile;

/** A deep copy of the valid example event generated for one model (Ralph accepted every one). */
export function baseEvent(model: string): JsonObject {
  const base = verdicts.bases[model];
  if (!base) throw new Error(`no base event for ${model}`);
  return structuredClone(base);
}

/** Applies set/delete operations (an op without `value` deletes) to a copy of `event`. */
export function edited(event: JsonObject, ...ops: Op[]): JsonObject {
  const out = structuredClone(event);
  for (const op of ops) {
    let node: Json = out;
    for (const seg of op.path.slice(0, -1)) node = (node as Record<string, Json>)[seg] as Json;
    const last = op.path[op.path.length - 1]!;
    if ('value' in op) (node as Record<string, Json>)[last] = op.value as Json;
    else delete (node as Record<string, Json>)[last];
  }
  return out;
}

/** The event a recorded case describes. */
export function caseEvent(c: RalphCase): JsonObject {
  return edited(baseEvent(c.base), ...c.ops);
}
