export * from './config.js';
export * from './stack.js';
export type { Say } from './fetch.js';
export { ensureS3Credentials, type S3Credentials } from './components/s3.js';
