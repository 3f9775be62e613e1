export * from './config.js';
export * from './errors.js';
export * from './logger.js';
export * from './metrics.js';
export * from './shutdown.js';
export * from './time.js';
