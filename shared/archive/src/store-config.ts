// Which store the archive uses, from environment variables (the archive service and `lrstream
// replay archive` read the same ones). Secrets come from the environment or a credentials file
// (mode 0600, JSON {"accessKeyId": "...", "secretAccessKey": "..."}); they are never logged.
import { readFileSync } from 'node:fs';
import type { ConfigSpec } from '@lrstream/runtime';
import { createDirStore } from './dir-store.js';
import { createS3Store, type S3StoreOptions } from './s3-store.js';
import type { ObjectStore } from './store.js';

export const ARCHIVE_STORE_CONFIG = {
  store: {
    type: 'enum',
    env: 'ARCHIVE_STORE',
    values: ['dir', 's3'] as const,
    default: 'dir',
    doc: 'where archive objects go: a local directory (ARCHIVE_DIR) or S3-compatible storage (S3_*)',
  },
  dir: { type: 'string', env: 'ARCHIVE_DIR', default: '', doc: 'the archive folder (ARCHIVE_STORE=dir)' },
  s3Endpoint: {
    type: 'string',
    env: 'S3_ENDPOINT',
    default: '',
    doc: 'S3 API URL (empty: AWS for S3_REGION); the local stack sets its S3Proxy',
  },
  s3Region: { type: 'string', env: 'S3_REGION', default: 'us-east-1', doc: 'S3 region' },
  s3Bucket: { type: 'string', env: 'S3_BUCKET', default: '', doc: 'bucket (ARCHIVE_STORE=s3)' },
  s3Prefix: {
    type: 'string',
    env: 'ARCHIVE_S3_PREFIX',
    default: '',
    doc: 'folder inside the bucket for the archive (empty: its root)',
  },
  s3AccessKeyId: { type: 'string', env: 'S3_ACCESS_KEY_ID', default: '', doc: 'access key id', secret: true },
  s3SecretAccessKey: {
    type: 'string',
    env: 'S3_SECRET_ACCESS_KEY',
    default: '',
    doc: 'secret access key',
    secret: true,
  },
  s3CredentialsFile: {
    type: 'string',
    env: 'S3_CREDENTIALS_FILE',
    default: '',
    doc: 'JSON file with accessKeyId and secretAccessKey, when the two variables above are not set',
  },
} as const satisfies ConfigSpec;

export interface ArchiveStoreConfig {
  store: 'dir' | 's3';
  dir: string;
  s3Endpoint: string;
  s3Region: string;
  s3Bucket: string;
  s3Prefix: string;
  s3AccessKeyId: string;
  s3SecretAccessKey: string;
  s3CredentialsFile: string;
}

/** Problems the per-variable checks cannot see (a variable required by the chosen store). */
export function storeConfigProblems(config: ArchiveStoreConfig): string[] {
  const problems: string[] = [];
  if (config.store === 'dir' && !config.dir) problems.push('ARCHIVE_DIR is required when ARCHIVE_STORE=dir');
  if (config.store === 's3') {
    if (!config.s3Bucket) problems.push('S3_BUCKET is required when ARCHIVE_STORE=s3');
    const keys = Boolean(config.s3AccessKeyId) && Boolean(config.s3SecretAccessKey);
    if (!keys && !config.s3CredentialsFile)
      problems.push(
        'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or S3_CREDENTIALS_FILE, are required when ARCHIVE_STORE=s3',
      );
  }
  return problems;
}

export function s3Options(config: ArchiveStoreConfig): S3StoreOptions {
  let accessKeyId = config.s3AccessKeyId;
  let secretAccessKey = config.s3SecretAccessKey;
  if (!(accessKeyId && secretAccessKey) && config.s3CredentialsFile) {
    const file = JSON.parse(readFileSync(config.s3CredentialsFile, 'utf8')) as Record<string, unknown>;
    accessKeyId = String(file.accessKeyId ?? '');
    secretAccessKey = String(file.secretAccessKey ?? '');
  }
  return {
    ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}),
    region: config.s3Region,
    bucket: config.s3Bucket,
    prefix: config.s3Prefix,
    accessKeyId,
    secretAccessKey,
  };
}

/** Opens the configured store; throws listing every problem of the configuration. */
export function openStore(config: ArchiveStoreConfig): ObjectStore {
  const problems = storeConfigProblems(config);
  if (problems.length > 0)
    throw new Error(`Invalid archive store configuration:\n  - ${problems.join('\n  - ')}`);
  return config.store === 'dir' ? createDirStore(config.dir) : createS3Store(s3Options(config));
}
