export { startIndex, type IndexService } from './service.js';
export { INDEX_CONFIG } from './config.js';
export {
  buildAnonymizedDocument,
  buildIdentifiedDocument,
  indexName,
  type IndexDocument,
} from './document.js';
export {
  classifyItem,
  isRetryableRequestError,
  sanitizeReason,
  chunkRanges,
  type ItemVerdict,
} from './bulk.js';
export { createSink, SINK_NAME, type BulkFn, type SinkOptions } from './sink.js';
export { createIndexMetrics, type IndexMetrics, type Store } from './metrics.js';
export { deleteExpiredIndices, expiredIndices, dayOfIndex } from './retention.js';
export * from './generation.js';
export {
  ensureTemplate,
  ensureGenerationTemplate,
  decideTemplateAlias,
  templatesOf,
  attachesAlias,
  type IndexTemplateRequest,
  type TemplateAliasDecision,
  type TemplateFile,
  loadTemplateFile,
  templateFor,
  assertIndexPrefix,
  XAPI_TEMPLATE_URL,
} from './template.js';
