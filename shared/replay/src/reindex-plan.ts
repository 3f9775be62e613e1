// Blue/green reindex, the pure part: what the read alias serves, and the alias actions and checks
// of a swap, a reconciliation and a drop (docs/decisions/0002-index-generations.md). No I/O here:
// reindex-es.ts reads the state and applies the plans.
import type { GenerationMeta } from '@lrstream/index';

export interface IndexInfo {
  name: string;
  generation: number;
  /** Whether the read alias points to it. */
  aliased: boolean;
}

export interface TemplateInfo {
  name: string;
  generation: number;
  attachesAlias: boolean;
  meta?: GenerationMeta;
}

export interface GenerationsState {
  alias: string;
  indices: IndexInfo[];
  templates: TemplateInfo[];
}

export type AliasAction =
  { add: { index: string; alias: string } } | { remove: { index: string; alias: string } };

export type Serving =
  { kind: 'one'; generation: number } | { kind: 'none' } | { kind: 'mixed'; generations: number[] };

/** Every generation that has an index or a template, ascending. */
export function generationsOf(state: GenerationsState): number[] {
  const all = new Set([
    ...state.indices.map((i) => i.generation),
    ...state.templates.map((t) => t.generation),
  ]);
  return [...all].sort((a, b) => a - b);
}

/**
 * The generation behind the read alias: the generation of the indices it points to; when it points
 * to none yet, the one whose template attaches it (a deployment that has not indexed anything).
 */
export function serving(state: GenerationsState): Serving {
  const aliased = [...new Set(state.indices.filter((i) => i.aliased).map((i) => i.generation))].sort(
    (a, b) => a - b,
  );
  if (aliased.length > 1) return { kind: 'mixed', generations: aliased };
  if (aliased.length === 1) return { kind: 'one', generation: aliased[0] as number };
  const attaching = state.templates.filter((t) => t.attachesAlias).map((t) => t.generation);
  if (attaching.length === 1) return { kind: 'one', generation: attaching[0] as number };
  if (attaching.length > 1) return { kind: 'mixed', generations: attaching.sort((a, b) => a - b) };
  return { kind: 'none' };
}

/**
 * The alias actions that make the read alias point to exactly the indices of `generation`: the
 * swap (one `_aliases` request, atomic) and the reconciliation after it are this same plan.
 */
export function planAliases(state: GenerationsState, generation: number): AliasAction[] {
  const alias = state.alias;
  const removes: AliasAction[] = state.indices
    .filter((i) => i.aliased && i.generation !== generation)
    .map((i) => ({ remove: { index: i.name, alias } }));
  const adds: AliasAction[] = state.indices
    .filter((i) => !i.aliased && i.generation === generation)
    .map((i) => ({ add: { index: i.name, alias } }));
  return [...adds, ...removes];
}

/** Template changes that make only `generation`'s template attach the read alias. */
export function planTemplates(
  state: GenerationsState,
  generation: number,
): { name: string; generation: number; attach: boolean }[] {
  return state.templates
    .filter((t) => t.attachesAlias !== (t.generation === generation))
    .map((t) => ({ name: t.name, generation: t.generation, attach: t.generation === generation }));
}

export type Verdict = { ok: true } | { ok: false; code: string; message: string };

export interface SwapCheck {
  state: GenerationsState;
  to: number;
  /** Documents served, documents of the new generation, and records its group has still to index. */
  counts: { from: number; to: number; pending: number };
  allowFewer: boolean;
}

/** Whether a swap to `to` may go ahead (the caller has waited for the new generation to catch up). */
export function checkSwap({ state, to, counts, allowFewer }: SwapCheck): Verdict {
  const now = serving(state);
  if (now.kind === 'one' && now.generation === to)
    return {
      ok: false,
      code: 'ALREADY_SERVING',
      message: `generation ${to} is already behind ${state.alias}`,
    };
  if (!state.templates.some((t) => t.generation === to) && !state.indices.some((i) => i.generation === to))
    return {
      ok: false,
      code: 'NO_SUCH_GENERATION',
      message: `generation ${to} of ${state.alias} does not exist (run "lrstream replay reindex start --generation ${to}")`,
    };
  // Both generations are being written: the served one may be ahead by what the new group has not
  // indexed yet (its lag, read before counting it). A shortfall beyond that is history it lacks.
  if (counts.to + counts.pending < counts.from && !allowFewer)
    return {
      ok: false,
      code: 'FEWER_DOCUMENTS',
      message:
        `generation ${to} holds ${counts.to} documents (+${counts.pending} records still to index), ` +
        `the read alias ${counts.from} (${counts.from - counts.to - counts.pending} fewer): ` +
        'the topic no longer retains what the old generation holds, or the reindex began late. ' +
        'Swap with --allow-fewer to accept losing them from the read alias.',
    };
  return { ok: true };
}

export interface DropCheck {
  state: GenerationsState;
  target: number;
  /** Members of the consumer group that writes the target generation. */
  writers: number;
  force: boolean;
}

/** Whether generation `target` may be deleted, and what deleting it removes. */
export function checkDrop({ state, target, writers, force }: DropCheck): Verdict & {
  indices: string[];
  templates: string[];
} {
  const indices = state.indices.filter((i) => i.generation === target).map((i) => i.name);
  const templates = state.templates.filter((t) => t.generation === target).map((t) => t.name);
  const refuse = (code: string, message: string) => ({
    ok: false as const,
    code,
    message,
    indices,
    templates,
  });
  const now = serving(state);
  const behind =
    (now.kind === 'one' && now.generation === target) ||
    (now.kind === 'mixed' && now.generations.includes(target)) ||
    state.indices.some((i) => i.generation === target && i.aliased);
  if (behind)
    return refuse(
      'BEHIND_READ_ALIAS',
      `generation ${target} is behind the read alias ${state.alias}: swap to another generation first`,
    );
  if (indices.length === 0 && templates.length === 0)
    return refuse(
      'NO_SUCH_GENERATION',
      `generation ${target} of ${state.alias} has no index and no template`,
    );
  if (writers > 0 && !force)
    return refuse(
      'STILL_WRITTEN',
      `generation ${target} still has ${writers} index stage(s) writing it (its consumer group has members): ` +
        'redeploy them on the serving generation first, or drop with --force',
    );
  return { ok: true, indices, templates };
}

/** The generation --drop-old removes: the one the serving generation was swapped from. */
export function previousGeneration(state: GenerationsState): number | undefined {
  const now = serving(state);
  if (now.kind !== 'one') return undefined;
  return state.templates.find((t) => t.generation === now.generation)?.meta?.previous_generation;
}

/** The consumer group that writes a generation: recorded in its template, else the default name. */
export function groupOf(state: GenerationsState, generation: number): string {
  return (
    state.templates.find((t) => t.generation === generation)?.meta?.group ??
    (generation === 0 ? 'index' : `index-g${generation}`)
  );
}

/** A partition as the progress and catch-up rules need it (see @lrstream/kafka GroupPosition). */
export interface PartitionView {
  partition: number;
  high: number;
  committed: number | undefined;
}

/**
 * Caught up: on every partition the group has committed at least the end offset the topic had at
 * a reference look a few seconds earlier (everything written before then is indexed), or nothing
 * is left at all. A live topic keeps growing and a busy stage commits batch by batch, so "lag 0 at
 * one instant" may never be seen.
 */
export function isCaughtUp(
  partitions: readonly PartitionView[],
  referenceHigh: ReadonlyMap<number, number> | undefined,
): boolean {
  return partitions.every((p) => {
    const committed = p.committed ?? -1;
    if (committed >= p.high) return true;
    const before = referenceHigh?.get(p.partition);
    return before !== undefined && committed >= before;
  });
}

/**
 * The topic's end offsets as seen at each look, kept for `windowMs`: the reference for isCaughtUp
 * is the oldest look within the window (the group may be at most that far behind in time).
 */
export function createEndsHistory(windowMs: number): {
  add(at: number, partitions: readonly PartitionView[]): void;
  reference(now: number): ReadonlyMap<number, number> | undefined;
} {
  const looks: { at: number; high: Map<number, number> }[] = [];
  return {
    add(at, partitions) {
      looks.push({ at, high: new Map(partitions.map((p) => [p.partition, p.high])) });
    },
    reference(now) {
      while (looks.length > 1 && (looks[1]?.at ?? now) <= now - windowMs) looks.shift();
      const oldest = looks[0];
      return oldest && oldest.at < now ? oldest.high : undefined;
    },
  };
}

/** Records done and to do since the reindex began at `start` (partition -> first offset). */
export function progressOf(
  partitions: readonly PartitionView[],
  start: ReadonlyMap<number, number>,
): { done: number; total: number } {
  let done = 0;
  let total = 0;
  for (const p of partitions) {
    const from = start.get(p.partition) ?? 0;
    done += Math.max(0, (p.committed ?? from) - from);
    total += Math.max(0, p.high - from);
  }
  return { done, total };
}
