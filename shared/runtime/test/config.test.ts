import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config.js';

const spec = {
  brokers: { type: 'list', env: 'KAFKA_BROKERS', doc: 'Kafka bootstrap servers' },
  port: { type: 'int', env: 'METRICS_PORT', default: 19102, min: 1, max: 65535, doc: 'metrics port' },
  registry: { type: 'url', env: 'SCHEMA_REGISTRY_URL', doc: 'registry URL' },
  mode: {
    type: 'enum',
    env: 'MODE',
    values: ['strict', 'lenient'],
    default: 'lenient',
    doc: 'validation mode',
  },
  dryRun: { type: 'bool', env: 'DRY_RUN', default: false, doc: 'no writes' },
} as const;

test('values are parsed, defaults applied, result frozen', () => {
  const config = loadConfig(spec, {
    KAFKA_BROKERS: 'a:1, b:2',
    SCHEMA_REGISTRY_URL: 'http://r:1/api/',
    DRY_RUN: 'true',
  });
  assert.deepEqual(config.brokers, ['a:1', 'b:2']);
  assert.equal(config.port, 19102);
  assert.equal(config.registry, 'http://r:1/api');
  assert.equal(config.mode, 'lenient');
  assert.equal(config.dryRun, true);
  assert.ok(Object.isFrozen(config));
});

test('all problems are reported together, each naming its variable', () => {
  assert.throws(
    () => loadConfig(spec, { METRICS_PORT: '0', SCHEMA_REGISTRY_URL: 'not a url', MODE: 'loose' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      for (const name of ['KAFKA_BROKERS is required', 'METRICS_PORT', 'SCHEMA_REGISTRY_URL', 'MODE']) {
        assert.ok(err.message.includes(name), `mentions ${name}: ${err.message}`);
      }
      return true;
    },
  );
});
