export * from './metrics.js';
export * from './progress.js';
export * from './stages.js';
export * from './reindex-plan.js';
export * from './reindex-es.js';
export * from './reindex.js';
export * from './reindex-run.js';
