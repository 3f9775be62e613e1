// @lrstream/ingest: the HTTP ingest service and the file/stdin reader the CLI uses.
export { startIngest, type RunningIngest } from './main.js';
export { buildIngestServer, XAPI_VERSION, type IngestServerDeps } from './server.js';
export {
  ingestFiles,
  splitLines,
  type FileFormat,
  type IngestCounts,
  type IngestFilesOptions,
} from './files.js';
export {
  createAuthenticator,
  loadCredentials,
  parseCredentials,
  type Authenticator,
  type Principal,
} from './auth.js';
export { hashSecret, verifySecret, parseSecretHash, DEFAULT_SCRYPT } from './hash-secret.js';
export { createIngestMetrics, type IngestMetrics } from './metrics.js';
export { DEFAULT_LIMITS, type IngestLimits } from './limits.js';
export { INGEST_CONFIG, loadIngestConfig, type IngestConfig } from './config.js';
export { IngestHttpError } from './errors.js';
