export { main } from './main.js';
export { generateSample, type SampleItem, type SampleOptions } from './demo/sample.js';
