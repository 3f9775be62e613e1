// edX -> xAPI conversion, two compatibility profiles.
export * from './openedx/index.js';
export * from './ralph/index.js';
