// convert: validated edX events -> identified xAPI statements (profile openedx or ralph).
import { onShutdown } from '@lrstream/runtime';
import { startConvert } from './service.js';

const service = await startConvert().catch((err: unknown) => {
  process.stderr.write(`convert: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
onShutdown(service.log, [service.stop]);
