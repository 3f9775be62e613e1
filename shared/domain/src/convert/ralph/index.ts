// edX -> xAPI conversion, `ralph` profile: reproduces `ralph convert --from edx --to xapi` (ralph-malph 5.x).
export {
  RALPH_ISSUE,
  convertRalph,
  createRalphConverter,
  ralphConvertLine,
  ralphLines,
  type RalphConverter,
  type RalphOptions,
  type RalphResult,
  type RalphStatement,
  type RalphStatus,
} from './convert.js';
export {
  RALPH_CONVERTERS,
  RALPH_REFERENCE_VERSION,
  ralphSelectConverter,
  type RalphConverterInfo,
  type RalphConverterName,
} from './converters.js';
export { isRalphIri } from './iri.js';
export { ralphParseNamespace, uuid5 as ralphUuid5 } from './uuid5.js';
