// @lrstream/archive: the archive beyond Kafka's retention — object stores (a directory, S3), the
// object format (gzip NDJSON envelopes), object names, manifests and where a partition resumes.
export * from './naming.js';
export * from './envelope.js';
export * from './store.js';
export * from './dir-store.js';
export * from './s3-store.js';
export * from './manifest.js';
export * from './store-config.js';
