export * from './client.js';
export * from './metrics.js';
export * from './registry.js';
export * from './stage.js';
export * from './topics.js';
export * from './producer.js';
export * from './service.js';
