export * from './metrics.js';
export * from './progress.js';
export * from './stages.js';
export * from './dlq-select.js';
export * from './dlq-decide.js';
export * from './dlq-store.js';
export * from './dlq-redrive.js';
export * from './dlq-list.js';
