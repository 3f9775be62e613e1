// Blue/green reindex, the Elasticsearch part: reads the generations of a read alias (indices, the
// alias's targets, templates), counts them, and applies alias and template plans.
import type { Client } from '@elastic/elasticsearch';
import {
  GENERATION_META_KEY,
  attachesAlias,
  generationOfIndex,
  generationOfTemplate,
  templatesOf,
  type GenerationMeta,
} from '@lrstream/index';
import type { AliasAction, GenerationsState, IndexInfo, TemplateInfo } from './reindex-plan.js';

const statusOf = (err: unknown) => (err as { meta?: { statusCode?: number } }).meta?.statusCode;

/** The indices the alias points to now (empty when it does not exist). */
async function aliasTargets(es: Client, alias: string): Promise<Set<string>> {
  try {
    return new Set(Object.keys(await es.indices.getAlias({ name: alias })));
  } catch (err) {
    if (statusOf(err) === 404) return new Set();
    throw err;
  }
}

export async function readGenerations(es: Client, alias: string): Promise<GenerationsState> {
  const [rows, targets, stored] = await Promise.all([
    es.cat.indices({ index: `${alias}-*`, format: 'json', h: 'index', expand_wildcards: 'open' }),
    aliasTargets(es, alias),
    templatesOf(es, alias),
  ]);
  const indices: IndexInfo[] = [];
  for (const row of rows) {
    const name = row.index;
    const generation = name === undefined ? undefined : generationOfIndex(alias, name);
    if (name !== undefined && generation !== undefined)
      indices.push({ name, generation, aliased: targets.has(name) });
  }
  const templates: TemplateInfo[] = [];
  for (const t of stored) {
    const generation = generationOfTemplate(alias, t.name);
    if (generation === undefined) continue;
    const meta = t.index_template._meta?.[GENERATION_META_KEY] as GenerationMeta | undefined;
    templates.push({
      name: t.name,
      generation,
      attachesAlias: attachesAlias(t, alias),
      ...(meta ? { meta } : {}),
    });
  }
  indices.sort((a, b) => a.name.localeCompare(b.name));
  templates.sort((a, b) => a.generation - b.generation);
  return { alias, indices, templates };
}

const namesOf = (state: GenerationsState, generation: number) =>
  state.indices.filter((i) => i.generation === generation).map((i) => i.name);

/** Refreshes a generation's indices and counts its documents (0 when it has no index). */
export async function countGeneration(
  es: Client,
  state: GenerationsState,
  generation: number,
): Promise<number> {
  const names = namesOf(state, generation);
  if (names.length === 0) return 0;
  await es.indices.refresh({ index: names, ignore_unavailable: true });
  return (await es.count({ index: names, ignore_unavailable: true })).count;
}

/** One `_aliases` request: Elasticsearch applies all its actions atomically. */
export async function applyAliasActions(es: Client, actions: readonly AliasAction[]): Promise<void> {
  if (actions.length === 0) return;
  await es.indices.updateAliases({ actions: actions as never });
}

/**
 * Makes a generation's template attach the read alias or not, and merges `meta` into its
 * generation record; the rest of the template (mappings, settings, patterns) is kept as stored.
 */
export async function setTemplateAlias(
  es: Client,
  alias: string,
  name: string,
  attach: boolean,
  meta: Partial<GenerationMeta> = {},
): Promise<void> {
  const found = (await templatesOf(es, alias)).find((t) => t.name === name);
  if (!found) throw new Error(`index template ${name} does not exist`);
  const body = found.index_template as unknown as Record<string, unknown> & {
    template?: { aliases?: Record<string, unknown> };
    _meta?: Record<string, unknown>;
  };
  const aliases = { ...body.template?.aliases };
  if (attach) aliases[alias] = {};
  else delete aliases[alias];
  const record = { ...(body._meta?.[GENERATION_META_KEY] as GenerationMeta | undefined), ...meta };
  await es.indices.putIndexTemplate({
    name,
    ...body,
    template: { ...body.template, aliases },
    _meta: { ...body._meta, [GENERATION_META_KEY]: record },
  } as never);
}

/** Deletes a generation's indices (by exact name) and templates. */
export async function deleteGeneration(
  es: Client,
  plan: { indices: readonly string[]; templates: readonly string[] },
): Promise<void> {
  for (let i = 0; i < plan.indices.length; i += 50)
    await es.indices.delete({ index: plan.indices.slice(i, i + 50), ignore_unavailable: true });
  for (const name of plan.templates)
    await es.indices.deleteIndexTemplate({ name }).catch((err: unknown) => {
      if (statusOf(err) !== 404) throw err;
    });
}
