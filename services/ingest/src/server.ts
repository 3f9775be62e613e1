// The HTTP face of ingest: fastify with raw-byte bodies (we keep the original bytes), Basic auth
// with per-route scopes, limits, and one answer only after Kafka acknowledged the write.
// `buildIngestServer` takes its collaborators as parameters so tests drive it with inject().
import { isUtf8 } from 'node:buffer';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '@lrstream/runtime';
import { requireScope, type Authenticator, type Principal, type Scope } from './auth.js';
import { capConnections, clientErrorHandler, httpServerOptions } from './connections.js';
import { prepareEdxEvents } from './edx.js';
import { IngestHttpError, badRequest } from './errors.js';
import {
  DEFAULT_CONNECTION_LIMITS,
  DEFAULT_LIMITS,
  type ConnectionLimits,
  type IngestLimits,
} from './limits.js';
import type { IngestMetrics } from './metrics.js';
import type { RawRecord } from './raw-record.js';
import { KAFKA_UNAVAILABLE, writeRaw, type RawProducer, type SinkOptions } from './sink.js';
import { prepareStatements } from './xapi.js';

const gunzipAsync = promisify(gunzip);

export const XAPI_VERSION = '1.0.3';
const ATOMIC_HEADER = 'x-lrstream-atomic';

export interface IngestServerDeps {
  producer: RawProducer;
  authenticator: Authenticator;
  metrics: IngestMetrics;
  log?: Logger;
  limits?: Partial<IngestLimits>;
  connections?: Partial<ConnectionLimits>;
  sink?: Partial<SinkOptions>;
  now?: () => number;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

type Query = Record<string, string | string[] | undefined>;

export function buildIngestServer(deps: IngestServerDeps): FastifyInstance {
  const limits: IngestLimits = { ...DEFAULT_LIMITS, ...deps.limits };
  const connections: ConnectionLimits = { ...DEFAULT_CONNECTION_LIMITS, ...deps.connections };
  const sink: SinkOptions = {
    maxBatchBytes: 512 * 1024,
    sendTimeoutMs: 10_000,
    retryAfterSeconds: 5,
    ...deps.sink,
  };
  const now = deps.now ?? Date.now;
  const { metrics, log } = deps;
  let kafkaHealthy = true;

  const app = Fastify({
    logger: false,
    bodyLimit: limits.maxBodyBytes,
    routerOptions: { ignoreTrailingSlash: true },
    http: httpServerOptions(connections),
    // fastify applies these two itself (its defaults: no request deadline, 72 s keep-alive).
    requestTimeout: connections.requestTimeoutMs,
    keepAliveTimeout: connections.keepAliveTimeoutMs,
    clientErrorHandler: clientErrorHandler(metrics),
  });
  capConnections(app.server, connections, metrics);
  app.decorateRequest('principal', null);

  // Bodies stay bytes: the raw topic stores what the client sent, not a re-serialisation.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    decodeBody(request, body as Buffer, limits.maxBodyBytes).then(
      (decoded) => done(null, decoded),
      (err: Error) => done(err),
    );
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url.startsWith('/xAPI')) reply.header('X-Experience-API-Version', XAPI_VERSION);
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, status: String(reply.statusCode) });
    metrics.duration.observe({ route }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
    const answer = errorAnswer(err, limits.maxBodyBytes);
    metrics.rejected.inc({ code: answer.body.code });
    if (answer.body.code === KAFKA_UNAVAILABLE) {
      kafkaHealthy = false;
      metrics.kafkaUnavailable.inc();
      log?.warn(
        { route: request.routeOptions.url, code: answer.body.code },
        'Kafka unavailable, answered 503.',
      );
    }
    if (answer.status === 500) log?.error({ err, route: request.routeOptions.url }, 'Request failed.');
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  });
  app.setNotFoundHandler((request, reply) => {
    metrics.rejected.inc({ code: 'LRS_ERR_NOT_FOUND' });
    return reply
      .code(404)
      .send({ code: 'LRS_ERR_NOT_FOUND', message: `No route for ${request.method} ${request.url}.` });
  });

  const authorize = (scope: Scope) => async (request: FastifyRequest) => {
    const principal = await deps.authenticator.authenticate(request.headers.authorization);
    requireScope(principal, scope);
    request.principal = principal;
  };
  const xapiVersionHeader = async (request: FastifyRequest) => {
    const version = request.headers['x-experience-api-version'];
    if (typeof version !== 'string' || !/^1\.0(\.\d+)?$/.test(version.trim()))
      throw badRequest('LRS_ERR_XAPI_VERSION', 'The X-Experience-API-Version header must be 1.0.x.');
  };
  const accept = async (records: RawRecord[], format: 'xapi' | 'edx') => {
    await writeRaw(deps.producer, records, sink);
    kafkaHealthy = true;
    metrics.accepted.inc({ format }, records.length);
  };
  const origin = (request: FastifyRequest) => ({
    channel: 'http' as const,
    producer: request.principal?.username ?? 'anonymous',
    receivedAt: now(),
  });
  const body = (request: FastifyRequest): Buffer => {
    if (!Buffer.isBuffer(request.body)) throw badRequest('LRS_ERR_EMPTY_BODY', 'The request body is empty.');
    return request.body;
  };

  const xapiHooks = { onRequest: [authorize('statements/write'), xapiVersionHeader] };

  app.post<{ Querystring: Query }>(
    '/xAPI/statements',
    xapiHooks,
    async (request: FastifyRequest<{ Querystring: Query }>) => {
      const atomic = atomicRequested(request, ['atomic']);
      const version = String(request.headers['x-experience-api-version']).trim();
      const prepared = prepareStatements(
        body(request),
        { ...origin(request), xapiVersion: version },
        { limits, atomic },
      );
      await accept(prepared.records, 'xapi');
      return prepared.ids;
    },
  );

  app.put<{ Querystring: Query }>(
    '/xAPI/statements',
    xapiHooks,
    async (request: FastifyRequest<{ Querystring: Query }>, reply) => {
      const atomic = atomicRequested(request, ['atomic', 'statementId']);
      const statementId = request.query.statementId;
      if (typeof statementId !== 'string')
        throw badRequest('LRS_ERR_STATEMENT_ID', 'PUT requires one statementId query parameter.');
      const version = String(request.headers['x-experience-api-version']).trim();
      const prepared = prepareStatements(
        body(request),
        { ...origin(request), xapiVersion: version },
        { limits, atomic, statementId },
      );
      await accept(prepared.records, 'xapi');
      return reply.code(204).send();
    },
  );

  app.get('/xAPI/about', async () => ({ version: [XAPI_VERSION], extensions: {} }));

  app.post('/edx/events', { onRequest: authorize('edx/write') }, async (request) => {
    const prepared = prepareEdxEvents(
      body(request),
      request.headers['content-type'],
      origin(request),
      limits,
    );
    await accept(prepared.records, 'edx');
    return { accepted: prepared.records.length, blank: prepared.blank };
  });

  app.get('/__lbheartbeat__', async (_request, reply: FastifyReply) => reply.code(200).send());
  app.get('/__heartbeat__', async (_request, reply: FastifyReply) =>
    reply.code(kafkaHealthy ? 200 : 500).send({ kafka: kafkaHealthy ? 'ok' : 'unavailable' }),
  );

  return app;
}

interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: { code: string; message: string; [detail: string]: unknown };
}

/** Every refusal as {code, message}: ours carry their code; fastify's 4xx keep theirs; the rest is 500. */
function errorAnswer(err: Error & { statusCode?: number; code?: string }, maxBodyBytes: number): ErrorAnswer {
  if (err instanceof IngestHttpError)
    return {
      status: err.statusCode,
      headers: err.extra.headers ?? {},
      body: { code: err.code, message: err.message, ...err.extra.details },
    };
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return {
      status: 413,
      headers: {},
      body: { code: 'LRS_ERR_BODY_TOO_LARGE', message: `The body is over ${maxBodyBytes} bytes.` },
    };
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500)
    return { status, headers: {}, body: { code: err.code ?? 'LRS_ERR_BAD_REQUEST', message: err.message } };
  return { status: 500, headers: {}, body: { code: 'LRS_ERR_INTERNAL', message: 'Internal error.' } };
}

/** Like Ralph: unknown query parameters are a 400, not silently ignored. */
function atomicRequested(request: FastifyRequest<{ Querystring: Query }>, allowed: string[]): boolean {
  for (const name of Object.keys(request.query ?? {}))
    if (!allowed.includes(name))
      throw badRequest('LRS_ERR_QUERY_PARAM', `The query parameter "${name}" is not allowed here.`);
  const header = request.headers[ATOMIC_HEADER];
  return header === 'true' || request.query.atomic === 'true';
}

/** JSON and NDJSON bodies are UTF-8 (RFC 8259 8.1); decoding anything else would turn the bad bytes
 * into U+FFFD downstream and silently change an IRI or a name. Checked on the decoded bytes. */
function requireUtf8(body: Buffer): Buffer {
  if (!isUtf8(body)) throw badRequest('LRS_ERR_INVALID_UTF8', 'The body is not valid UTF-8.');
  return body;
}

async function decodeBody(request: FastifyRequest, body: Buffer, maxBytes: number): Promise<Buffer> {
  return requireUtf8(await decompress(request, body, maxBytes));
}

async function decompress(request: FastifyRequest, body: Buffer, maxBytes: number): Promise<Buffer> {
  const encoding = String(request.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (encoding === 'identity' || encoding === '') return body;
  if (encoding !== 'gzip' && encoding !== 'x-gzip')
    throw new IngestHttpError(
      415,
      'LRS_ERR_CONTENT_ENCODING',
      `Content-Encoding "${encoding}" is not supported.`,
    );
  try {
    // The limit applies to the decompressed size too: a small gzip bomb stays small.
    return await gunzipAsync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new IngestHttpError(
        413,
        'LRS_ERR_BODY_TOO_LARGE',
        `The decompressed body is over ${maxBytes} bytes.`,
      );
    throw badRequest('LRS_ERR_GZIP', 'The body is not valid gzip.');
  }
}
