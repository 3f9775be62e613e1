// archive: the raw topic (and optionally the anonymized one) -> objects in a directory or S3.
import { onShutdown } from '@lrstream/runtime';
import { startArchive } from './service.js';

const service = await startArchive().catch((err: unknown) => {
  process.stderr.write(`archive: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
onShutdown(service.log, [service.stop]);
