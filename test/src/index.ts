export * from './stack-provider.js';
export * from './wait.js';
export * from './pipeline.js';
export * from './offsets.js';
export * from './delivery.js';
export * from './archive.js';
