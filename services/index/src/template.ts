// The composable index template: mappings and settings are data (templates/xapi.json); the prefix
// decides the index pattern, the read alias and the template name.
import { readFileSync } from 'node:fs';
import type { Client } from '@elastic/elasticsearch';
import type { Logger } from '@lrstream/runtime';
import {
  GENERATION_META_KEY,
  generationOfTemplate,
  generationRoot,
  type GenerationMeta,
} from './generation.js';

export interface TemplateFile {
  priority: number;
  _meta?: Record<string, unknown>;
  template: {
    settings: { index: Record<string, unknown> };
    mappings: Record<string, unknown>;
  };
}

export interface IndexTemplateRequest {
  name: string;
  index_patterns: string[];
  priority: number;
  _meta?: Record<string, unknown>;
  template: {
    settings: { index: Record<string, unknown> };
    mappings: Record<string, unknown>;
    aliases: Record<string, Record<string, never>>;
  };
}

export const XAPI_TEMPLATE_URL = new URL('../templates/xapi.json', import.meta.url);

export function loadTemplateFile(url: URL = XAPI_TEMPLATE_URL): TemplateFile {
  const parsed = JSON.parse(readFileSync(url, 'utf8')) as TemplateFile & { $comment?: string };
  const { $comment: _comment, ...file } = parsed;
  if (typeof file.priority !== 'number' || !file.template?.mappings || !file.template.settings?.index)
    throw new Error(
      `${url.pathname} is not an index template body (priority, template.settings.index, template.mappings)`,
    );
  return file;
}

/**
 * Index names: lower case, no characters ES forbids, and not starting with -, _ or +. The prefix
 * is also the alias, so it must be a valid index name itself.
 */
export function assertIndexPrefix(prefix: string, variable: string): void {
  if (!/^[a-z0-9][a-z0-9._-]{0,200}$/.test(prefix) || prefix === '.' || prefix === '..')
    throw new Error(`${variable} must be a lower-case index name prefix ([a-z0-9._-]), got "${prefix}"`);
}

/**
 * The template for `<prefix>-*` with the read alias `<prefix>`. Composable templates whose patterns
 * overlap must differ in priority, and the most specific should win (e.g. a test prefix
 * `lrstream-xapi-it-1` inside `lrstream-xapi-*`): the priority grows with the prefix length.
 */
export function templateFor(
  file: TemplateFile,
  options: {
    prefix: string;
    replicas: number;
    /** Aliases every new index gets (default: the read alias `<prefix>`). */
    aliases?: readonly string[];
    /** Merged into the file's `_meta`. */
    meta?: Record<string, unknown>;
  },
): IndexTemplateRequest {
  const meta = file._meta || options.meta ? { ...file._meta, ...options.meta } : undefined;
  return {
    name: options.prefix,
    index_patterns: [`${options.prefix}-*`],
    priority: file.priority + options.prefix.length,
    ...(meta ? { _meta: meta } : {}),
    template: {
      settings: { index: { ...file.template.settings.index, number_of_replicas: options.replicas } },
      mappings: file.template.mappings,
      aliases: Object.fromEntries((options.aliases ?? [options.prefix]).map((a) => [a, {}])),
    },
  };
}

export type TemplateAliasDecision =
  | { attach: boolean; reason: 'kept' }
  | { attach: true; reason: 'unclaimed' }
  | { attach: false; reason: 'claimed-by-another-generation' };

/**
 * Whether a generation's template attaches the read alias. Only a swap (lrstream replay reindex)
 * moves the read alias: a service start keeps what its template already says, and a generation
 * seen for the first time gets the alias only when no index and no other template holds it (a new
 * deployment); otherwise it is a generation being built beside the live one.
 */
export function decideTemplateAlias(state: {
  existing?: { attachesAlias: boolean };
  aliasClaimed: boolean;
}): TemplateAliasDecision {
  if (state.existing) return { attach: state.existing.attachesAlias, reason: 'kept' };
  return state.aliasClaimed
    ? { attach: false, reason: 'claimed-by-another-generation' }
    : { attach: true, reason: 'unclaimed' };
}

interface StoredTemplate {
  name: string;
  index_template: { _meta?: Record<string, unknown>; template?: { aliases?: Record<string, unknown> } };
}

/** The composable templates whose name starts with `alias` (none when there is none). */
export async function templatesOf(client: Client, alias: string): Promise<StoredTemplate[]> {
  try {
    const found = await client.indices.getIndexTemplate({ name: `${alias}*` });
    return found.index_templates as unknown as StoredTemplate[];
  } catch (err) {
    if ((err as { meta?: { statusCode?: number } }).meta?.statusCode === 404) return [];
    throw err;
  }
}

export const attachesAlias = (t: StoredTemplate, alias: string): boolean =>
  Object.hasOwn(t.index_template.template?.aliases ?? {}, alias);

/**
 * Creates or updates the template of the generation the service writes, keeping the read-alias
 * decision a swap made (see decideTemplateAlias), and records the generation and its consumer
 * group in the template's `_meta`. Mappings and settings always come from the template file.
 */
export async function ensureGenerationTemplate(
  client: Client,
  file: TemplateFile,
  options: { alias: string; generation: number; group: string; replicas: number; log?: Logger },
): Promise<TemplateAliasDecision> {
  const { alias, generation } = options;
  const name = generationRoot(alias, generation);
  const templates = (await templatesOf(client, alias)).filter(
    (t) => generationOfTemplate(alias, t.name) !== undefined,
  );
  const own = templates.find((t) => t.name === name);
  const aliasClaimed =
    templates.some((t) => t.name !== name && attachesAlias(t, alias)) ||
    (await client.indices.existsAlias({ name: alias }));
  const decision = decideTemplateAlias({
    existing: own ? { attachesAlias: attachesAlias(own, alias) } : undefined,
    aliasClaimed,
  });
  const previous = own?.index_template._meta?.[GENERATION_META_KEY] as GenerationMeta | undefined;
  const meta: GenerationMeta = { ...previous, alias, generation, group: options.group };
  await ensureTemplate(
    client,
    templateFor(file, {
      prefix: name,
      replicas: options.replicas,
      aliases: decision.attach ? [alias] : [],
      meta: { [GENERATION_META_KEY]: meta },
    }),
  );
  options.log?.info(
    {
      template: name,
      generation,
      readAlias: alias,
      attachesReadAlias: decision.attach,
      reason: decision.reason,
    },
    decision.attach
      ? 'The generation template attaches the read alias.'
      : 'The generation template does not attach the read alias (another generation serves reads).',
  );
  return decision;
}

/** Creates or replaces the template (idempotent); existing indices keep their mappings. */
export async function ensureTemplate(client: Client, request: IndexTemplateRequest): Promise<void> {
  await client.indices.putIndexTemplate(request);
}
