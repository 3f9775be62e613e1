export * from './client.js';
export * from './registry.js';
export * from './topics.js';
