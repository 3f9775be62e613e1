// Index generations (docs/decisions/0002-index-generations.md): the anonymized store of a read alias
// `<alias>` is one generation of monthly indices. Generation 0 is the layout every deployment had
// before generations existed (`<alias>-YYYY.MM`, template `<alias>`); generation N >= 1 lives in
// `<alias>-gN-YYYY.MM` with its own template `<alias>-gN`. The read alias points to exactly one
// generation; which one is decided by `lrstream replay reindex swap`, never by a service start.

export const LEGACY_GENERATION = 0;
export const MAX_GENERATION = 9999;

/** Where `_meta` of a generation's template records what it is. */
export const GENERATION_META_KEY = 'lrstream_generation';

export interface GenerationMeta {
  alias: string;
  generation: number;
  /** Consumer group of the index stage that writes this generation (the last one that started). */
  group: string;
  /** The generation the read alias left when it was swapped to this one. */
  previous_generation?: number;
}

export function assertGeneration(generation: number, variable: string): void {
  if (!Number.isInteger(generation) || generation < 0 || generation > MAX_GENERATION)
    throw new Error(`${variable} must be an integer 0-${MAX_GENERATION}, got "${generation}"`);
}

/** Index names of a generation start with this (and its template has this name). */
export function generationRoot(alias: string, generation: number): string {
  return generation === LEGACY_GENERATION ? alias : `${alias}-g${generation}`;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The generation a monthly index of `alias` belongs to, or undefined when the name is not one
 * (another store, a test prefix such as `<alias>-it-1-2026.11`, a daily index).
 */
export function generationOfIndex(alias: string, index: string): number | undefined {
  const match = new RegExp(`^${escape(alias)}-(?:g([1-9]\\d{0,3})-)?\\d{4}\\.\\d{2}$`).exec(index);
  if (!match) return undefined;
  return match[1] === undefined ? LEGACY_GENERATION : Number(match[1]);
}

/** The generation a template of `alias` is for, from its name, or undefined. */
export function generationOfTemplate(alias: string, template: string): number | undefined {
  if (template === alias) return LEGACY_GENERATION;
  const match = new RegExp(`^${escape(alias)}-g([1-9]\\d{0,3})$`).exec(template);
  return match ? Number(match[1]) : undefined;
}
