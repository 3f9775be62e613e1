// `openedx` conversion profile: edX events -> xAPI as Open edX event-routing-backends does it.
export type {
  OpenedxOptions,
  OpenedxResult,
  OpenedxStatement,
  OpenedxStatus,
  OpenedxUser,
} from './convert.js';
export {
  convertOpenedx,
  convertOpenedxParsed,
  OPENEDX_DEFAULT_TRANSFORMER_VERSION,
  OPENEDX_XAPI_VERSION,
} from './convert.js';
export type {
  OpenedxActivityTypeKey,
  OpenedxConverterKey,
  OpenedxMappingEntry,
  OpenedxVerbKey,
} from './mapping.js';
export {
  OPENEDX_ACTIVITY_TYPES,
  OPENEDX_EVENT_MAPPING,
  OPENEDX_EVENT_NAMES,
  OPENEDX_EXTENSIONS,
  OPENEDX_SERVER_PAGE_VIEW,
  OPENEDX_VERBS,
} from './mapping.js';
export { OPENEDX_INTERACTION_TYPES } from './converters.js';
export { OPENEDX_DNS_NAMESPACE, openedxStatementId, openedxUuid5 } from './uuid.js';
