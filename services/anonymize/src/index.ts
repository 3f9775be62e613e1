export { startAnonymize } from './service.js';
export { anonymizeRecord, POLICY } from './process.js';
