// The ingest configuration: the abuse limits have defaults, are validated, and contradictions fail
// at start-up with every bad variable named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@lrstream/runtime';
import { loadIngestConfig } from '../src/config.js';

const REQUIRED = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081',
  INGEST_AUTH_FILE: '/dev/null',
};

test('connection and verification limits have defaults', () => {
  const config = loadIngestConfig(REQUIRED);
  assert.equal(config.headersTimeoutMs, 10_000);
  assert.equal(config.requestTimeoutMs, 30_000);
  assert.equal(config.keepAliveTimeoutMs, 5_000);
  assert.equal(config.maxConnections, 512);
  assert.equal(config.authMaxConcurrent, 2);
  assert.equal(config.authMaxQueued, 32);
  assert.equal(config.authCacheMaxEntries, 1000);
});

test('bad limits fail at start-up, all named at once', () => {
  assert.throws(
    () =>
      loadIngestConfig({
        ...REQUIRED,
        INGEST_MAX_CONNECTIONS: '0',
        INGEST_AUTH_MAX_QUEUED: '-1',
        INGEST_REQUEST_TIMEOUT_MS: 'soon',
      }),
    (err: Error) =>
      err instanceof ConfigError &&
      /INGEST_MAX_CONNECTIONS/.test(err.message) &&
      /INGEST_AUTH_MAX_QUEUED/.test(err.message) &&
      /INGEST_REQUEST_TIMEOUT_MS/.test(err.message),
  );
  // Node refuses a headers timeout longer than the request timeout: say so in our words.
  assert.throws(
    () =>
      loadIngestConfig({ ...REQUIRED, INGEST_HEADERS_TIMEOUT_MS: '5000', INGEST_REQUEST_TIMEOUT_MS: '2000' }),
    (err: Error) =>
      err instanceof ConfigError && /INGEST_HEADERS_TIMEOUT_MS.*INGEST_REQUEST_TIMEOUT_MS/.test(err.message),
  );
});
