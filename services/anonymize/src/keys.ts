// Where the pseudonymisation key comes from: a key ring file, else one key from a file or the
// environment. Secrets are never logged nor written anywhere; errors name the file, not its text.
import { readFileSync } from 'node:fs';
import {
  AccountLinksError,
  KeyRingError,
  makeKey,
  parseAccountLinks,
  parseKeyRing,
  type AccountLinks,
  type KeyRing,
} from '@lrstream/domain';
import { ConfigError } from '@lrstream/runtime';

export interface KeySource {
  keyRingFile: string;
  keyFile: string;
  key: string;
  keyId: string;
}

function read(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `${variable}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}

export function loadKeyRing(source: KeySource): KeyRing {
  try {
    if (source.keyRingFile)
      return parseKeyRing(read(source.keyRingFile, 'ANONYMIZE_KEYRING_FILE'), 'ANONYMIZE_KEYRING_FILE');
    const secret = source.keyFile
      ? Buffer.from(read(source.keyFile, 'ANONYMIZE_KEY_FILE').trim())
      : Buffer.from(source.key);
    if (secret.length === 0)
      throw new ConfigError(
        'A pseudonymisation secret is required: set ANONYMIZE_KEYRING_FILE, ANONYMIZE_KEY_FILE or ANONYMIZE_KEY.',
      );
    const key = makeKey(source.keyId, secret, source.keyFile ? 'ANONYMIZE_KEY_FILE' : 'ANONYMIZE_KEY');
    return { active: key, keys: new Map([[key.id, key]]) };
  } catch (err) {
    if (err instanceof KeyRingError) throw new ConfigError(err.message);
    throw err;
  }
}

/** The operator's account links (ANONYMIZE_ACCOUNT_LINKS_FILE), or none. */
export function loadAccountLinks(path: string): AccountLinks | undefined {
  if (!path) return undefined;
  try {
    return parseAccountLinks(read(path, 'ANONYMIZE_ACCOUNT_LINKS_FILE'), 'ANONYMIZE_ACCOUNT_LINKS_FILE');
  } catch (err) {
    if (err instanceof AccountLinksError) throw new ConfigError(err.message);
    throw err;
  }
}
