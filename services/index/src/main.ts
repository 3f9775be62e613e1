// index: anonymized xAPI statements -> Elasticsearch (optionally identified ones -> short-term store).
import { onShutdown } from '@lrstream/runtime';
import { startIndex } from './service.js';

const service = await startIndex().catch((err: unknown) => {
  process.stderr.write(`index: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
onShutdown(service.log, [service.stop]);
