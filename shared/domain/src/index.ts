// The domain core: pure functions, no I/O. Services and the CLI import from here.
export * from './issues.js';
export * from './keys.js';
export * from './xapi/index.js';
export * from './edx/index.js';
export * from './convert/index.js';
export * from './privacy/index.js';
