import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadStackConfig, stackEnv } from '../src/config.js';

test('defaults avoid the standard ports', () => {
  const config = loadStackConfig({});
  assert.deepEqual(stackEnv(config), {
    KAFKA_BROKERS: '127.0.0.1:19092',
    SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7',
    ELASTICSEARCH_URL: 'http://127.0.0.1:19200',
    PROMETHEUS_URL: 'http://127.0.0.1:19090',
    S3_ENDPOINT: 'http://127.0.0.1:19900',
    S3_BUCKET: 'lrstream-archive',
    S3_CREDENTIALS_FILE: join(config.stateDir, 'secrets', 's3-credentials.json'),
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

test('a KRaft cluster id never starts with "-" (kafka-storage would read it as an option)', async () => {
  const { kafkaClusterId } = await import('../src/components/kafka.js');
  // 0xfb... encodes to "-" first in base64url; the generator must draw again.
  const draws = [Buffer.alloc(16, 0xfb), Buffer.alloc(16, 0x41)];
  const id = kafkaClusterId(() => draws.shift() as Buffer);
  assert.match(id, /^[A-Za-z0-9]/);
  assert.equal(Buffer.alloc(16, 0xfb).toString('base64url')[0], '-');
  for (let i = 0; i < 1000; i += 1) assert.match(kafkaClusterId(), /^[A-Za-z0-9][A-Za-z0-9_-]{21}$/);
});
