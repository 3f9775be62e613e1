export * from './stack-provider.js';
export * from './wait.js';
export * from './pipeline.js';
