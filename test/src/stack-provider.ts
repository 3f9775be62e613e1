// Gives integration and end-to-end tests real infrastructure, in this order:
//   1. the four environment variables are set: use what they point at;
//   2. a container runtime answers: start containers with testcontainers (loaded only then);
//   3. otherwise: the local stack manager starts Kafka, the registry, Elasticsearch and Prometheus
//      as plain processes.
// If none works the caller fails loudly: integration tests are never skipped silently.
import { spawnSync } from 'node:child_process';
import {
  applyTopicCatalogue,
  down,
  loadStackConfig,
  stackEnv,
  status,
  up,
  type Say,
  type StackEnv,
} from '@lrstream/stack';

export const ENV_KEYS = [
  'KAFKA_BROKERS',
  'SCHEMA_REGISTRY_URL',
  'ELASTICSEARCH_URL',
  'PROMETHEUS_URL',
] as const;

export interface ProvidedStack {
  env: StackEnv;
  source: 'environment' | 'containers' | 'local-stack';
  /** Stops only what this provider started (nothing when the stack was already there). */
  release(): Promise<void>;
}

export async function provideStack(say: Say, env: NodeJS.ProcessEnv = process.env): Promise<ProvidedStack> {
  const present = ENV_KEYS.filter((k) => env[k]);
  if (present.length === ENV_KEYS.length) {
    const given = Object.fromEntries(ENV_KEYS.map((k) => [k, env[k] as string])) as unknown as StackEnv;
    // The operator's set-up step, as on any stack (`lrstream topics apply`); `stack up` runs it too.
    await applyTopicCatalogue(given);
    return { env: given, source: 'environment', release: async () => undefined };
  }
  if (present.length > 0) {
    const missing = ENV_KEYS.filter((k) => !env[k]);
    throw new Error(
      `Some stack variables are set (${present.join(', ')}) but not ${missing.join(', ')}: set all four or none.`,
    );
  }
  if (containerRuntimeAnswers()) {
    say('A container runtime answers: starting the stack with testcontainers.');
    const { startContainerStack } = await import('./containers.js');
    const stack = await startContainerStack(say);
    await applyTopicCatalogue(stack.env);
    return { env: stack.env, source: 'containers', release: stack.stop };
  }
  const config = loadStackConfig(env);
  const before = await status(config);
  const result = await up(config, say);
  const startedHere = result.started.length > 0 && before.every((c) => !c.running);
  return {
    env: stackEnv(config),
    source: 'local-stack',
    release: async () => {
      // Leave a stack the developer started themselves running; stop one we started.
      if (startedHere) await down(config, say);
    },
  };
}

function containerRuntimeAnswers(): boolean {
  if (process.env.LRSTREAM_NO_CONTAINERS === '1') return false;
  const probe = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
    encoding: 'utf8',
    timeout: 5000,
  });
  return probe.status === 0 && probe.stdout.trim().length > 0;
}
