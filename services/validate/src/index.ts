export { startValidate } from './service.js';
export { validateRecord, type ValidateOptions } from './process.js';
