// The same four components as containers, for machines with a container runtime. Loaded
// dynamically by the stack provider, so machines without one never load testcontainers.
// Host networking keeps the ports and the Prometheus scrape targets identical to the local stack.
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { loadStackConfig, stackEnv, SERVICE_METRICS_PORTS, type Say, type StackEnv } from '@lrstream/stack';

export async function startContainerStack(say: Say): Promise<{ env: StackEnv; stop(): Promise<void> }> {
  const config = loadStackConfig();
  const { host, ports } = config;
  const started: StartedTestContainer[] = [];
  const stop = async () => {
    for (const c of started.reverse()) await c.stop();
  };
  try {
    say('Starting Kafka container...');
    started.push(
      await new GenericContainer('apache/kafka:3.9.1')
        .withNetworkMode('host')
        .withEnvironment({
          KAFKA_NODE_ID: '1',
          KAFKA_PROCESS_ROLES: 'broker,controller',
          KAFKA_CONTROLLER_QUORUM_VOTERS: `1@${host}:${ports.kafkaController}`,
          KAFKA_LISTENERS: `PLAINTEXT://${host}:${ports.kafka},CONTROLLER://${host}:${ports.kafkaController}`,
          KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${ports.kafka}`,
          KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
          KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
          KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
          KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
          KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        })
        .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
        .start(),
    );
    say('Starting Apicurio Registry container...');
    started.push(
      await new GenericContainer('apicurio/apicurio-registry:3.0.9')
        .withNetworkMode('host')
        .withEnvironment({
          QUARKUS_HTTP_HOST: host,
          QUARKUS_HTTP_PORT: String(ports.registry),
          QUARKUS_MANAGEMENT_HOST: host,
          QUARKUS_MANAGEMENT_PORT: String(ports.registry + 1),
          APICURIO_RULES_GLOBAL_COMPATIBILITY: 'BACKWARD',
        })
        .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', ports.registry).forStatusCode(200))
        .start(),
    );
    say('Starting Elasticsearch container...');
    started.push(
      await new GenericContainer('docker.elastic.co/elasticsearch/elasticsearch:8.19.21')
        .withNetworkMode('host')
        .withEnvironment({
          'discovery.type': 'single-node',
          'network.host': host,
          'http.port': String(ports.elasticsearch),
          'transport.port': String(ports.elasticsearchTransport),
          'xpack.security.enabled': 'false',
          'cluster.routing.allocation.disk.threshold_enabled': 'false',
          'action.destructive_requires_name': 'false',
          ES_JAVA_OPTS: `-Xms${config.heap.elasticsearch} -Xmx${config.heap.elasticsearch}`,
        })
        .withWaitStrategy(Wait.forHttp('/_cluster/health', ports.elasticsearch).forStatusCode(200))
        .withStartupTimeout(180_000)
        .start(),
    );
    say('Starting Prometheus container...');
    const targets = Object.values(SERVICE_METRICS_PORTS)
      .map((p) => `'${host}:${p}'`)
      .join(', ');
    const prometheusYml = `global: { scrape_interval: 2s }\nscrape_configs:\n  - job_name: lrstream\n    static_configs:\n      - targets: [${targets}]\n`;
    started.push(
      await new GenericContainer('prom/prometheus:v2.55.1')
        .withNetworkMode('host')
        .withCopyContentToContainer([{ content: prometheusYml, target: '/etc/prometheus/prometheus.yml' }])
        .withCommand([
          '--config.file=/etc/prometheus/prometheus.yml',
          `--web.listen-address=${host}:${ports.prometheus}`,
        ])
        .withWaitStrategy(Wait.forHttp('/-/ready', ports.prometheus).forStatusCode(200))
        .start(),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { env: stackEnv(config), stop };
}
