// The S3-compatible backend (AWS S3, S3Proxy on the local stack, any store speaking the S3 API):
// path-style addressing, one PUT per object (atomic: readers never see part of an object), keys
// under an optional prefix. Checksums are sent only where the API requires them, which every
// S3-compatible server understands.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  assertKey,
  StoreRefusedError,
  storeUnavailable,
  type ObjectStore,
  type StoredObject,
} from './store.js';

export interface S3StoreOptions {
  endpoint?: string;
  region?: string;
  bucket: string;
  /** Folder inside the bucket, without a trailing slash ('' for the bucket's root). */
  prefix?: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Path-style URLs (http://host/bucket/key): needed by most S3-compatible servers. Default true. */
  forcePathStyle?: boolean;
}

type AwsError = { name?: string; $metadata?: { httpStatusCode?: number } };

const statusOf = (err: unknown) => (err as AwsError)?.$metadata?.httpStatusCode;
const isNotFound = (err: unknown) => {
  const name = (err as AwsError)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(err) === 404;
};

function fail(what: string, err: unknown): Error {
  const status = statusOf(err);
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    const name = (err as AwsError)?.name ?? 'Error';
    return new StoreRefusedError(`The S3 store refused ${what} (HTTP ${status}, ${name}).`, { cause: err });
  }
  return storeUnavailable(what, err);
}

// The pinned SDK supports this project's Node 20 (package.json engines); its notice that later
// releases will not is printed once per process on stderr, outside the JSON logs: off.
function quietSdk(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

export function createS3Store(options: S3StoreOptions): ObjectStore {
  quietSdk();
  const client = new S3Client({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    region: options.region ?? 'us-east-1',
    forcePathStyle: options.forcePathStyle ?? true,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 2,
  });
  const Bucket = options.bucket;
  const base = options.prefix ? `${options.prefix.replace(/\/+$/, '')}/` : '';
  const full = (key: string) => {
    assertKey(key);
    return `${base}${key}`;
  };

  return {
    description: `s3://${Bucket}/${base}${options.endpoint ? ` at ${options.endpoint}` : ''}`,
    async put(key, body) {
      try {
        await client.send(
          new PutObjectCommand({ Bucket, Key: full(key), Body: body, ContentLength: body.length }),
        );
      } catch (err) {
        throw fail('a PUT', err);
      }
    },
    async get(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: full(key) }));
        if (!out.Body) return Buffer.alloc(0);
        return Buffer.from(await out.Body.transformToByteArray());
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw fail('a GET', err);
      }
    },
    async head(key) {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket, Key: full(key) }));
        return { key, size: out.ContentLength ?? 0 };
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw fail('a HEAD', err);
      }
    },
    async list(prefix) {
      const out: StoredObject[] = [];
      let token: string | undefined;
      do {
        let page;
        try {
          page = await client.send(
            new ListObjectsV2Command({ Bucket, Prefix: `${base}${prefix}`, ContinuationToken: token }),
          );
        } catch (err) {
          throw fail('a listing', err);
        }
        // Folder markers (S3Proxy's filesystem provider lists folders as `name/`) are not objects.
        for (const o of page.Contents ?? [])
          if (o.Key && !o.Key.endsWith('/')) out.push({ key: o.Key.slice(base.length), size: o.Size ?? 0 });
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out.sort((a, b) => (a.key < b.key ? -1 : 1));
    },
    async delete(key) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket, Key: full(key) }));
      } catch (err) {
        if (!isNotFound(err)) throw fail('a DELETE', err);
      }
    },
  };
}

/** Creates the bucket when it does not exist (the local stack's set-up step; tests). */
export async function ensureBucket(options: S3StoreOptions): Promise<void> {
  const { CreateBucketCommand, HeadBucketCommand } = await import('@aws-sdk/client-s3');
  quietSdk();
  const client = new S3Client({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    region: options.region ?? 'us-east-1',
    forcePathStyle: options.forcePathStyle ?? true,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
  });
  try {
    await client.send(new HeadBucketCommand({ Bucket: options.bucket }));
  } catch (err) {
    if (!isNotFound(err)) throw fail('a bucket check', err);
    await client.send(new CreateBucketCommand({ Bucket: options.bucket }));
  } finally {
    client.destroy();
  }
}
