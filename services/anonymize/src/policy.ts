// Which privacy policy the stage applies: a file, or a built-in preset from deploy/privacy/.
import { readFileSync } from 'node:fs';
import { PolicyError, parsePolicy, type PrivacyPolicy } from '@lrstream/domain';
import { ConfigError } from '@lrstream/runtime';

/** deploy/privacy/ of the repository, from src/ (tsx) and dist/ (compiled) alike. */
export const PRESET_DIR = new URL('../../../deploy/privacy/', import.meta.url);
export const PRESETS = ['pseudonymize', 'anonymize'] as const;

export function loadPolicy(source: { policy: string; policyFile: string }): PrivacyPolicy {
  let path: string | URL;
  let variable: string;
  if (source.policyFile) {
    path = source.policyFile;
    variable = 'ANONYMIZE_POLICY_FILE';
  } else {
    if (!(PRESETS as readonly string[]).includes(source.policy))
      throw new ConfigError(`ANONYMIZE_POLICY must be one of ${PRESETS.join(', ')}, got "${source.policy}"`);
    path = new URL(`${source.policy}.json`, PRESET_DIR);
    variable = 'ANONYMIZE_POLICY';
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `${variable}: cannot read ${String(path)}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  try {
    return parsePolicy(text, `${variable}=${String(path)}`);
  } catch (err) {
    if (err instanceof PolicyError) throw new ConfigError(err.message);
    throw err;
  }
}
