export { startConvert } from './service.js';
export { createConverter, type ConvertOptions } from './process.js';
