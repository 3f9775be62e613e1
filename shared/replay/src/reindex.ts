// Blue/green reindex operations on a read alias: swap, status, drop-old and reconcile. The
// reindex run itself (an index stage writing the new generation) is in reindex-run.ts.
import type { Client } from '@elastic/elasticsearch';
import type { GroupAdmin } from './reindex-kafka.js';
import type { Logger } from '@lrstream/runtime';
import { TOPICS } from '@lrstream/schemas';
import {
  applyAliasActions,
  countGeneration,
  deleteGeneration,
  readGenerations,
  setTemplateAlias,
} from './reindex-es.js';
import {
  checkDrop,
  checkSwap,
  generationsOf,
  groupOf,
  createEndsHistory,
  isCaughtUp,
  planAliases,
  planTemplates,
  previousGeneration,
  serving,
  type GenerationsState,
  type Serving,
} from './reindex-plan.js';

export const REINDEX_TOPIC = TOPICS.xapiAnonymized;

export interface ReindexContext {
  es: Client;
  admin: GroupAdmin;
  alias: string;
  log: Logger;
}

/** A refusal the operator can act on: exit 1 with the message, nothing changed. */
export class ReindexRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ReindexRefused';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `group` has caught up on the anonymized topic (see isCaughtUp); false on timeout. */
export async function waitCaughtUp(
  admin: GroupAdmin,
  group: string,
  options: { timeoutMs: number; maxBehindMs: number; pollMs?: number },
): Promise<{ caughtUp: boolean; lag: number }> {
  const deadline = Date.now() + options.timeoutMs;
  const history = createEndsHistory(options.maxBehindMs);
  for (;;) {
    const position = await admin.position(group, REINDEX_TOPIC);
    const now = Date.now();
    if (isCaughtUp(position.partitions, history.reference(now))) return { caughtUp: true, lag: position.lag };
    if (now >= deadline) return { caughtUp: false, lag: position.lag };
    history.add(now, position.partitions);
    await sleep(options.pollMs ?? 500);
  }
}

export interface SwapOptions {
  to: number;
  /** The group that writes the new generation (default: recorded in its template). */
  group?: string;
  allowFewer: boolean;
  /** How long to wait for the new generation to catch up and hold as many documents. */
  waitMs: number;
  /** Caught up: the group's commits reach the topic's ends of at most this long ago. */
  maxBehindMs: number;
}

export interface SwapResult {
  alias: string;
  from: number | null;
  to: number;
  documents: { from: number; to: number; pending: number };
  aliasActions: number;
  reconciled: number;
}

const fromOf = (now: Serving): number | null => (now.kind === 'one' ? now.generation : null);

async function servedCount(ctx: ReindexContext, state: GenerationsState, now: Serving): Promise<number> {
  if (now.kind === 'one') return countGeneration(ctx.es, state, now.generation);
  if (now.kind === 'none') return 0;
  await ctx.es.indices.refresh({ index: ctx.alias, ignore_unavailable: true });
  return (await ctx.es.count({ index: ctx.alias, ignore_unavailable: true })).count;
}

/**
 * Moves the read alias to generation `to`: waits until its group has caught up and it holds at
 * least as many documents as the served generation (refuses otherwise, with the numbers), stops
 * the other generations' templates from attaching the alias to their future indices, moves the
 * alias in ONE `_aliases` request (atomic: a search sees the old or the new generation, never
 * both or neither), makes the new generation's template attach it, then reconciles indices
 * created meanwhile (a new month) in a second atomic request.
 */
export async function swapGeneration(ctx: ReindexContext, options: SwapOptions): Promise<SwapResult> {
  const { es, admin, alias, log } = ctx;
  const { to } = options;
  let state = await readGenerations(es, alias);
  const now = serving(state);
  const from = fromOf(now);
  const group = options.group ?? groupOf(state, to);
  const deadline = Date.now() + options.waitMs;

  const position = await waitCaughtUp(admin, group, {
    timeoutMs: options.waitMs,
    maxBehindMs: options.maxBehindMs,
  });
  if (!position.caughtUp) {
    const members = await admin.members(group);
    throw new ReindexRefused(
      'NOT_CAUGHT_UP',
      `generation ${to}'s consumer group ${group} has not caught up (lag ${position.lag}, ${members} member(s)): ` +
        `keep "lrstream replay reindex start --generation ${to}" running (or an index service with INDEX_GENERATION=${to} GROUP_ID=${group}) and try again`,
    );
  }
  // The served generation is still being written too: wait until the new one holds as many.
  let counts = { from: 0, to: 0, pending: 0 };
  for (;;) {
    // In this order: what is served, then the new group's lag, then the new generation.
    const from = await servedCount(ctx, state, now);
    const pending = (await admin.position(group, REINDEX_TOPIC)).lag;
    counts = { from, to: await countGeneration(es, state, to), pending };
    if (counts.to >= counts.from || Date.now() >= deadline) break;
    await sleep(500);
    state = await readGenerations(es, alias);
  }
  const verdict = checkSwap({ state, to, counts, allowFewer: options.allowFewer });
  log.info({ decision: 'swap-check', alias, from, to, group, documents: counts, verdict }, 'Swap checked.');
  if (!verdict.ok) throw new ReindexRefused(verdict.code, verdict.message);
  if (!state.templates.some((t) => t.generation === to))
    throw new ReindexRefused(
      'NO_TEMPLATE',
      `generation ${to} has no index template: start its reindex first`,
    );

  // 1. Old generations' future indices (a new month) no longer join the read alias.
  const detached = planTemplates(state, to).filter((t) => !t.attach);
  for (const t of detached) await setTemplateAlias(es, alias, t.name, false);
  // 2. One atomic alias request, from a fresh listing of the indices.
  state = await readGenerations(es, alias);
  const actions = planAliases(state, to);
  try {
    await applyAliasActions(es, actions);
  } catch (err) {
    for (const t of detached) await setTemplateAlias(es, alias, t.name, true).catch(() => undefined);
    throw err;
  }
  log.info({ decision: 'alias-swapped', alias, from, to, actions: actions.length }, 'Read alias swapped.');
  // 3. The new generation's future indices join the alias.
  const toTemplate = state.templates.find((t) => t.generation === to);
  if (toTemplate)
    await setTemplateAlias(
      es,
      alias,
      toTemplate.name,
      true,
      from === null ? {} : { previous_generation: from },
    );
  // 4. Reconcile what was created between the listing and the template change.
  const reconciled = await reconcileTo(ctx, to);
  return { alias, from, to, documents: counts, aliasActions: actions.length, reconciled };
}

/** Makes the alias and the templates agree with generation `to` serving; answers the alias actions. */
async function reconcileTo(ctx: ReindexContext, to: number): Promise<number> {
  const state = await readGenerations(ctx.es, ctx.alias);
  for (const t of planTemplates(state, to)) await setTemplateAlias(ctx.es, ctx.alias, t.name, t.attach);
  const actions = planAliases(state, to);
  await applyAliasActions(ctx.es, actions);
  if (actions.length > 0)
    ctx.log.info(
      { decision: 'reconciled', alias: ctx.alias, generation: to, actions },
      'Reconciled the read alias with the serving generation.',
    );
  return actions.length;
}

/** Repairs drift (e.g. an old index service that re-attached the alias): refuses when ambiguous. */
export async function reconcile(ctx: ReindexContext): Promise<{ generation: number; actions: number }> {
  const now = serving(await readGenerations(ctx.es, ctx.alias));
  if (now.kind !== 'one')
    throw new ReindexRefused(
      now.kind === 'none' ? 'NOTHING_SERVED' : 'MIXED',
      now.kind === 'none'
        ? `${ctx.alias} serves no generation`
        : `${ctx.alias} spans generations ${now.generations.join(', ')}: choose one with "lrstream replay reindex swap --generation N"`,
    );
  return { generation: now.generation, actions: await reconcileTo(ctx, now.generation) };
}

export interface GenerationStatus {
  generation: number;
  serving: boolean;
  indices: string[];
  documents: number;
  templateAttachesAlias: boolean | null;
  group: string;
  members: number;
  lag: number;
}

export interface ReindexStatus {
  alias: string;
  serving: Serving;
  previous: number | null;
  generations: GenerationStatus[];
}

export async function reindexStatus(ctx: ReindexContext): Promise<ReindexStatus> {
  const state = await readGenerations(ctx.es, ctx.alias);
  const now = serving(state);
  const generations: GenerationStatus[] = [];
  for (const generation of generationsOf(state)) {
    const group = groupOf(state, generation);
    const [documents, members, position] = await Promise.all([
      countGeneration(ctx.es, state, generation),
      ctx.admin.members(group),
      ctx.admin.position(group, REINDEX_TOPIC),
    ]);
    const template = state.templates.find((t) => t.generation === generation);
    generations.push({
      generation,
      serving:
        now.kind === 'one'
          ? now.generation === generation
          : now.kind === 'mixed' && now.generations.includes(generation),
      indices: state.indices.filter((i) => i.generation === generation).map((i) => i.name),
      documents,
      templateAttachesAlias: template ? template.attachesAlias : null,
      group,
      members,
      lag: position.lag,
    });
  }
  return { alias: ctx.alias, serving: now, previous: previousGeneration(state) ?? null, generations };
}

/** Deletes a generation that no longer serves reads (default: the one the last swap left). */
export async function dropGeneration(
  ctx: ReindexContext,
  options: { generation?: number; force: boolean },
): Promise<{ generation: number; indices: string[]; templates: string[] }> {
  const state = await readGenerations(ctx.es, ctx.alias);
  const target = options.generation ?? previousGeneration(state);
  if (target === undefined)
    throw new ReindexRefused(
      'NO_PREVIOUS',
      `no swap recorded which generation ${ctx.alias} served before: name it with --generation N`,
    );
  const writers = await ctx.admin.members(groupOf(state, target));
  const verdict = checkDrop({ state, target, writers, force: options.force });
  ctx.log.info(
    { decision: 'drop-check', alias: ctx.alias, generation: target, writers, verdict },
    'Drop of an old generation checked.',
  );
  if (!verdict.ok) throw new ReindexRefused(verdict.code, verdict.message);
  await deleteGeneration(ctx.es, verdict);
  ctx.log.info(
    {
      decision: 'dropped',
      alias: ctx.alias,
      generation: target,
      indices: verdict.indices,
      templates: verdict.templates,
    },
    'Old generation deleted.',
  );
  return { generation: target, indices: verdict.indices, templates: verdict.templates };
}
