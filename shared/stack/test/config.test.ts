import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadStackConfig, stackEnv } from '../src/config.js';

test('defaults avoid the standard ports', () => {
  const config = loadStackConfig({});
  assert.deepEqual(stackEnv(config), {
    KAFKA_BROKERS: '127.0.0.1:19092',
    SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7',
    ELASTICSEARCH_URL: 'http://127.0.0.1:19200',
    PROMETHEUS_URL: 'http://127.0.0.1:19090',
  });
});

test('ports come from the environment', () => {
  const config = loadStackConfig({ LRSTREAM_KAFKA_PORT: '29092', LRSTREAM_ELASTICSEARCH_PORT: '29200' });
  assert.equal(stackEnv(config).KAFKA_BROKERS, '127.0.0.1:29092');
  assert.equal(stackEnv(config).ELASTICSEARCH_URL, 'http://127.0.0.1:29200');
});

test('every invalid setting is reported at once, by name', () => {
  assert.throws(
    () =>
      loadStackConfig({
        LRSTREAM_KAFKA_PORT: 'abc',
        LRSTREAM_PROMETHEUS_PORT: '70000',
        LRSTREAM_REGISTRY_STORAGE: 'disk',
      }),
    (err: Error) =>
      /LRSTREAM_KAFKA_PORT/.test(err.message) &&
      /LRSTREAM_PROMETHEUS_PORT/.test(err.message) &&
      /LRSTREAM_REGISTRY_STORAGE/.test(err.message),
  );
});
