// anonymize: identified xAPI statements -> anonymized statements (keyed pseudonyms).
import { onShutdown } from '@lrstream/runtime';
import { startAnonymize } from './service.js';

const service = await startAnonymize().catch((err: unknown) => {
  process.stderr.write(`anonymize: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
onShutdown(service.log, [service.stop]);
