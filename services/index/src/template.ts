// The composable index template: mappings and settings are data (templates/xapi.json); the prefix
// decides the index pattern, the read alias and the template name.
import { readFileSync } from 'node:fs';
import type { Client } from '@elastic/elasticsearch';

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
  options: { prefix: string; replicas: number },
): IndexTemplateRequest {
  return {
    name: options.prefix,
    index_patterns: [`${options.prefix}-*`],
    priority: file.priority + options.prefix.length,
    ...(file._meta ? { _meta: file._meta } : {}),
    template: {
      settings: { index: { ...file.template.settings.index, number_of_replicas: options.replicas } },
      mappings: file.template.mappings,
      aliases: { [options.prefix]: {} },
    },
  };
}

/** Creates or replaces the template (idempotent); existing indices keep their mappings. */
export async function ensureTemplate(client: Client, request: IndexTemplateRequest): Promise<void> {
  await client.indices.putIndexTemplate(request);
}
