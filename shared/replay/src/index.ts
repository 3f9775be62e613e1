export * from './metrics.js';
export * from './progress.js';
export * from './stages.js';
export * from './rewind.js';
export * from './rewind-run.js';
