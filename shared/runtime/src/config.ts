// Configuration from environment variables, validated once at start-up. Every problem is reported
// in one message that names the variable, so a misconfigured service fails fast and clearly.

type Spec =
  | { type: 'string'; env: string; default?: string; doc: string; secret?: boolean }
  | { type: 'int'; env: string; default?: number; min?: number; max?: number; doc: string }
  | { type: 'url'; env: string; default?: string; doc: string }
  | { type: 'list'; env: string; default?: string[]; doc: string }
  | { type: 'enum'; env: string; values: readonly string[]; default?: string; doc: string }
  | { type: 'bool'; env: string; default?: boolean; doc: string };

type ValueOf<S extends Spec> = S extends { type: 'enum'; values: readonly (infer V)[] }
  ? V
  : S extends { type: 'int' }
    ? number
    : S extends { type: 'list' }
      ? string[]
      : S extends { type: 'bool' }
        ? boolean
        : string;

export type ConfigSpec = Record<string, Spec>;
export type Config<T extends ConfigSpec> = { readonly [K in keyof T]: ValueOf<T[K]> };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig<T extends ConfigSpec>(spec: T, env: NodeJS.ProcessEnv = process.env): Config<T> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(spec)) {
    const raw = env[s.env];
    if (raw === undefined || raw === '') {
      if (s.default === undefined) problems.push(`${s.env} is required: ${s.doc}`);
      else out[key] = s.default;
      continue;
    }
    switch (s.type) {
      case 'string':
        out[key] = raw;
        break;
      case 'int': {
        const n = Number(raw);
        if (
          !Number.isInteger(n) ||
          (s.min !== undefined && n < s.min) ||
          (s.max !== undefined && n > s.max)
        ) {
          problems.push(
            `${s.env} must be an integer${s.min !== undefined ? ` >= ${s.min}` : ''}${s.max !== undefined ? ` <= ${s.max}` : ''}, got "${raw}"`,
          );
        } else out[key] = n;
        break;
      }
      case 'url':
        try {
          new URL(raw);
          out[key] = raw.replace(/\/+$/, '');
        } catch {
          problems.push(`${s.env} must be a URL, got "${raw}"`);
        }
        break;
      case 'list':
        out[key] = raw
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean);
        break;
      case 'enum':
        if (!s.values.includes(raw))
          problems.push(`${s.env} must be one of ${s.values.join(', ')}, got "${raw}"`);
        else out[key] = raw;
        break;
      case 'bool':
        if (!['true', 'false', '1', '0'].includes(raw))
          problems.push(`${s.env} must be true or false, got "${raw}"`);
        else out[key] = raw === 'true' || raw === '1';
        break;
    }
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return Object.freeze(out) as Config<T>;
}
