// validate: raw events -> validated edX events / identified xAPI statements / dead letters.
import { onShutdown } from '@lrstream/runtime';
import { startValidate } from './service.js';

const service = await startValidate().catch((err: unknown) => {
  process.stderr.write(`validate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
onShutdown(service.log, [service.stop]);
