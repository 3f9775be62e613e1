// The environment the services get on the embedded local stack: the stack's contract plus local
// development secrets (a pseudonymisation key and an ingest client), generated once with random
// values into <stack dir>/secrets (mode 0600) and never printed, except the demo client's password
// file path. Variables already set in the environment always win.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadStackConfig, stackEnv } from '@lrstream/stack';

export const DEMO_CLIENT = 'demo';

export interface LocalEnv {
  env: NodeJS.ProcessEnv;
  /** Basic-auth credentials of the local demo client. */
  client: { username: string; password: string };
}

export async function localServiceEnv(base: NodeJS.ProcessEnv = process.env): Promise<LocalEnv> {
  const config = loadStackConfig(base);
  const secrets = join(config.stateDir, 'secrets');
  mkdirSync(secrets, { recursive: true, mode: 0o700 });

  const keyFile = join(secrets, 'anonymize.key');
  if (!existsSync(keyFile))
    writeFileSync(keyFile, randomBytes(32).toString('base64url') + '\n', { mode: 0o600 });

  const passwordFile = join(secrets, 'ingest-demo.password');
  const credentialsFile = join(secrets, 'ingest-credentials.json');
  if (!existsSync(passwordFile) || !existsSync(credentialsFile)) {
    const password = randomBytes(18).toString('base64url');
    // Loaded lazily: only this path needs the ingest package.
    const { hashSecret } = await import('@lrstream/ingest');
    const hash = await hashSecret(password);
    writeFileSync(
      credentialsFile,
      JSON.stringify([{ username: DEMO_CLIENT, hash, scopes: ['statements/write', 'edx/write'] }], null, 2) +
        '\n',
      { mode: 0o600 },
    );
    writeFileSync(passwordFile, password + '\n', { mode: 0o600 });
  }
  const password = readFileSync(passwordFile, 'utf8').trim();

  const env: NodeJS.ProcessEnv = {
    ...stackEnv(config),
    ANONYMIZE_KEY_FILE: keyFile,
    INGEST_AUTH_FILE: credentialsFile,
    // The archive's local default: a folder of the stack (ARCHIVE_STORE=s3 uses the stack's S3Proxy).
    ARCHIVE_DIR: join(config.stateDir, 'archive'),
    ...base,
  };
  return { env, client: { username: DEMO_CLIENT, password } };
}
