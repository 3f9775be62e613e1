// Shared fixtures for the ingest unit tests: a recording producer (the one fake: Kafka's send),
// an authenticator over cheap scrypt parameters, and Marsha-like statements.
import { createMetricsRegistry, type Registry } from '@lrstream/runtime';
import type { TopicId } from '@lrstream/schemas';
import type { FastifyInstance } from 'fastify';
import { createAuthenticator, parseCredentials } from '../src/auth.js';
import { hashSecret } from '../src/hash-secret.js';
import { createIngestMetrics } from '../src/metrics.js';
import type { RawRecord } from '../src/raw-record.js';
import { buildIngestServer, type IngestServerDeps } from '../src/server.js';

export const CHEAP_SCRYPT = { N: 1024, r: 8, p: 1 };

export class RecordingProducer {
  sends: { topic: TopicId; messages: RawRecord[] }[] = [];
  failWith: unknown = undefined;
  hang = false;
  async send(topic: TopicId, messages: { key: string; value: object }[]): Promise<void> {
    if (this.hang) return new Promise(() => undefined);
    if (this.failWith !== undefined) throw this.failWith;
    this.sends.push({ topic, messages: messages as RawRecord[] });
  }
  get records(): RawRecord[] {
    return this.sends.flatMap((s) => s.messages);
  }
}

export const basic = (user: string, secret: string) =>
  `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

export const WRITER = basic('marsha', 'marsha-secret');
export const EDX_ONLY = basic('lms', 'lms-secret');

export async function testServer(overrides: Partial<IngestServerDeps> = {}): Promise<{
  app: FastifyInstance;
  producer: RecordingProducer;
  registry: Registry;
}> {
  const credentials = parseCredentials(
    JSON.stringify([
      {
        username: 'marsha',
        hash: await hashSecret('marsha-secret', CHEAP_SCRYPT),
        scopes: ['statements/write'],
      },
      { username: 'lms', hash: await hashSecret('lms-secret', CHEAP_SCRYPT), scopes: ['edx/write'] },
    ]),
  );
  const producer = new RecordingProducer();
  const registry = createMetricsRegistry({ service: 'ingest-test' });
  const app = buildIngestServer({
    producer,
    authenticator: await createAuthenticator(credentials, { cacheTtlMs: 60_000 }),
    metrics: createIngestMetrics(registry),
    ...overrides,
  });
  return { app, producer, registry };
}

export function videoStatement(id?: string, user = 'learner-1'): Record<string, unknown> {
  return {
    ...(id ? { id } : {}),
    actor: { objectType: 'Agent', account: { name: user, homePage: 'https://marsha.example' } },
    verb: { id: 'https://w3id.org/xapi/video/verbs/played', display: { 'en-US': 'played' } },
    object: {
      id: 'uuid://0aecfa60-7d2e-4fa6-ae0d-b1b3a7c2cb2b',
      objectType: 'Activity',
      definition: { type: 'https://w3id.org/xapi/video/activity-type/video', name: { 'en-US': 'Intro' } },
    },
    result: { extensions: { 'https://w3id.org/xapi/video/extensions/time': 12.5 } },
    context: {
      extensions: {
        'https://w3id.org/xapi/video/extensions/session-id': '6d3c7c2a-2b4c-4e2a-9d1c-0a5b7c9d1e2f',
      },
    },
    timestamp: '2026-11-22T08:00:00.000Z',
  };
}

export const xapiHeaders = (extra: Record<string, string> = {}) => ({
  authorization: WRITER,
  'x-experience-api-version': '1.0.3',
  'content-type': 'application/json',
  ...extra,
});

export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}) {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as { value: number; labels: Record<string, string | number> }[];
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}
