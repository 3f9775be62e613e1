export { startArchive, type RunningArchive } from './service.js';
export { createArchiver, type Archiver, type ArchiverPorts } from './archiver.js';
export { createArchiveMetrics, type ArchiveMetrics } from './metrics.js';
export { ARCHIVE_CONFIG, ARCHIVABLE_TOPICS } from './config.js';
