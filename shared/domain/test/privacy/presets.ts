// The built-in presets, read from deploy/privacy/ as the service reads them.
import { readFileSync } from 'node:fs';
import { parsePolicy, type PrivacyPolicy } from '../../src/privacy/index.js';

export function preset(name: 'pseudonymize' | 'anonymize'): PrivacyPolicy {
  const url = new URL(`../../../../deploy/privacy/${name}.json`, import.meta.url);
  return parsePolicy(readFileSync(url, 'utf8'), `${name}.json`);
}
