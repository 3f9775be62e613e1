export * from './config.js';
export * from './stack.js';
export type { Say } from './fetch.js';
