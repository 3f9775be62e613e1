// What one HTTP connection may hold, and for how long: Node's own deadlines (headers, whole request
// including the body, keep-alive idle), a cap on open connections, and the answer sent when a
// client breaks the HTTP rules (slow, oversized or malformed requests never reach a route).
import { STATUS_CODES, type Server, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionLimits } from './limits.js';
import type { IngestMetrics } from './metrics.js';

/** Options for http.createServer. Node checks the deadlines periodically: often enough that a
 * connection is cut within a quarter of the shorter deadline (at most 1 s) after it expires. */
export function httpServerOptions(limits: ConnectionLimits): ServerOptions {
  const shortest = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(shortest / 4))),
  };
}

/** Connections over the cap are closed by Node as they arrive (the 'drop' event), and counted. */
export function capConnections(server: Server, limits: ConnectionLimits, metrics: IngestMetrics): void {
  server.maxConnections = limits.maxConnections;
  server.on('drop', () => metrics.connectionsDropped.inc());
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'LRS_ERR_REQUEST_TIMEOUT', 'The request was not received in time.'],
  HPE_HEADER_OVERFLOW: [431, 'LRS_ERR_HEADERS_TOO_LARGE', 'The request headers are too large.'],
};
const MALFORMED: [number, string, string] = [400, 'LRS_ERR_BAD_HTTP', 'The request is not valid HTTP.'];

/** fastify's `clientErrorHandler`: answers `{code, message}` like every other refusal, then closes. */
export function clientErrorHandler(metrics: IngestMetrics) {
  return (err: Error & { code?: string }, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, code, message] = CLIENT_ERRORS[err.code ?? ''] ?? MALFORMED;
    metrics.rejected.inc({ code });
    if (socket.writable) {
      const body = JSON.stringify({ code, message });
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
