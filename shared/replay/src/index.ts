export * from './metrics.js';
export * from './progress.js';
export * from './stages.js';
