// docker-compose.yml cannot be run here (no Docker engine); this keeps it consistent with the local
// stack instead: same versions, same host ports, same registry rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadStackConfig, VERSIONS } from '../src/config.js';

interface ComposeService {
  command?: string;
  image: string;
  ports?: string[];
  environment?: Record<string, string>;
}

const compose = parse(readFileSync(new URL('../../../docker-compose.yml', import.meta.url), 'utf8'), {
  merge: true,
}) as {
  services: Record<string, ComposeService>;
};
const config = loadStackConfig({});

function service(name: string): ComposeService {
  const s = compose.services[name];
  assert.ok(s, `docker-compose.yml has a "${name}" service`);
  return s;
}

const hostPort = (s: ComposeService) => Number(s.ports?.[0]?.split(':')[1]);

test('compose images use the local stack versions', () => {
  assert.equal(service('kafka').image, `apache/kafka:${VERSIONS.kafka}`);
  assert.equal(service('registry').image, `apicurio/apicurio-registry:${VERSIONS.apicurio}`);
  assert.match(
    service('elasticsearch').image,
    new RegExp(`:${VERSIONS.elasticsearch.replace(/\./g, '\\.')}$`),
  );
  assert.match(service('prometheus').image, /^prom\/prometheus:/);
  assert.match(service('grafana').image, /^grafana\/grafana:/);
});

test('compose publishes the same host ports as the local stack', () => {
  assert.equal(hostPort(service('kafka')), config.ports.kafka);
  assert.equal(hostPort(service('registry')), config.ports.registry);
  assert.equal(hostPort(service('elasticsearch')), config.ports.elasticsearch);
  assert.equal(hostPort(service('prometheus')), config.ports.prometheus);
});

test('compose starts the registry with the BACKWARD global rule', () => {
  assert.equal(service('registry').environment?.APICURIO_RULES_GLOBAL_COMPATIBILITY, 'BACKWARD');
});

test('compose runs the five services with the shared environment contract', () => {
  for (const [name, port] of Object.entries({
    ingest: 19101,
    validate: 19102,
    convert: 19103,
    anonymize: 19104,
    index: 19105,
  })) {
    const s = compose.services[name] as ComposeService & { command?: string };
    assert.ok(s, `docker-compose.yml has the ${name} service`);
    assert.equal(s.command, name);
    for (const key of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'ELASTICSEARCH_URL', 'PROMETHEUS_URL']) {
      assert.ok(s.environment?.[key], `${name} gets ${key}`);
    }
    assert.equal(s.environment?.METRICS_PORT, String(port), `${name} metrics on the port Prometheus scrapes`);
  }
});
