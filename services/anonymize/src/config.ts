import type { ConfigSpec } from '@lrstream/runtime';
import { stageConfigSpec } from '@lrstream/kafka';

export const ANONYMIZE_CONFIG = {
  ...stageConfigSpec('anonymize', 19104),
  keyFile: {
    type: 'string',
    env: 'ANONYMIZE_KEY_FILE',
    default: '',
    doc: 'file holding the pseudonymisation secret (preferred over ANONYMIZE_KEY)',
  },
  key: {
    type: 'string',
    env: 'ANONYMIZE_KEY',
    default: '',
    doc: 'the pseudonymisation secret (at least 16 bytes)',
    secret: true,
  },
  keyId: {
    type: 'string',
    env: 'ANONYMIZE_KEY_ID',
    default: 'k1',
    doc: 'id of the key, recorded with each statement',
  },
  keyRingFile: {
    type: 'string',
    env: 'ANONYMIZE_KEYRING_FILE',
    default: '',
    doc: 'key ring file {"active": "<id>", "keys": {"<id>": "<secret>"}} (overrides ANONYMIZE_KEY_FILE/ANONYMIZE_KEY/ANONYMIZE_KEY_ID)',
  },
  policy: {
    type: 'string',
    env: 'ANONYMIZE_POLICY',
    default: 'pseudonymize',
    doc: 'built-in privacy preset (deploy/privacy/<name>.json): pseudonymize or anonymize',
  },
  policyFile: {
    type: 'string',
    env: 'ANONYMIZE_POLICY_FILE',
    default: '',
    doc: 'privacy policy file (JSON, policyFormat 1); overrides ANONYMIZE_POLICY',
  },
  accountLinksFile: {
    type: 'string',
    env: 'ANONYMIZE_ACCOUNT_LINKS_FILE',
    default: '',
    doc: 'accounts that are one person {"<homePage>": {"<name>": "<name>" | {"homePage", "name"}}} (one pseudonym per person)',
  },
} as const satisfies ConfigSpec;
