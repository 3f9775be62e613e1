export * from './avro.js';
export * from './topics.js';
export * from './types.generated.js';
