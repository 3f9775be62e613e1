export { startAnonymize } from './service.js';
export { anonymizeRecord, type AnonymizeOptions } from './process.js';
export { loadPolicy, PRESETS } from './policy.js';
export { loadKeyRing } from './keys.js';
