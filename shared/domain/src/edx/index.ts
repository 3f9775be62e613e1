// edX tracking-log input: parsing, normalisation and validation against Ralph's edX models.
export type {
  EdxEvent,
  EdxInputShape,
  EdxLineFormat,
  EdxModelInfo,
  EdxParseResult,
  EdxPayloadEncoding,
  EdxValidationMode,
  EdxValidationResult,
} from './types.js';
export {
  EDX_PARSE_ISSUE,
  decodeEdxQueryString,
  describeEdxValue,
  extractEdxEsSource,
  extractEdxGelf,
  findEdxLoneSurrogates,
  isEdxGelfRecord,
  listEdxEsHits,
  normalizeEdxRecord,
  parseEdxLine,
  parseEdxObject,
} from './parse.js';
export type { EdxValidateOptions } from './validate.js';
export { EDX_ISSUE, EDX_MODELS, selectEdxModel, validateEdxEvent, validateEdxRecord } from './validate.js';
export { EDX_FORMATS } from './formats.js';
