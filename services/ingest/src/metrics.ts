// The ingest service's Prometheus metrics, registered on the process registry.
import { Counter, Gauge, Histogram, type Registry } from '@lrstream/runtime';

export interface IngestMetrics {
  requests: Counter<'route' | 'status'>;
  accepted: Counter<'format'>;
  duration: Histogram<'route'>;
  kafkaUnavailable: Counter;
  rejected: Counter<'code'>;
  connectionsDropped: Counter;
  authVerifications: Gauge<'state'>;
}

export function createIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  return {
    requests: new Counter({
      name: 'lrstream_ingest_requests_total',
      help: 'HTTP requests answered, by route pattern and status code.',
      labelNames: ['route', 'status'],
      registers,
    }),
    accepted: new Counter({
      name: 'lrstream_ingest_events_accepted_total',
      help: 'Events acknowledged by Kafka on the raw topic, by source format.',
      labelNames: ['format'],
      registers,
    }),
    duration: new Histogram({
      name: 'lrstream_ingest_request_duration_seconds',
      help: 'Time from request received to response sent, by route pattern.',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    kafkaUnavailable: new Counter({
      name: 'lrstream_ingest_kafka_unavailable_total',
      help: 'Requests answered 503 because Kafka did not acknowledge the write.',
      registers,
    }),
    rejected: new Counter({
      name: 'lrstream_ingest_rejected_requests_total',
      help: 'Requests refused (4xx/5xx), by the stable error code of the answer.',
      labelNames: ['code'],
      registers,
    }),
    connectionsDropped: new Counter({
      name: 'lrstream_ingest_connections_dropped_total',
      help: 'Connections closed on arrival because INGEST_MAX_CONNECTIONS were open.',
      registers,
    }),
    authVerifications: new Gauge({
      name: 'lrstream_ingest_auth_verifications',
      help: 'Credential verifications (scrypt) in progress, by state: running or queued.',
      labelNames: ['state'],
      registers,
    }),
  };
}
