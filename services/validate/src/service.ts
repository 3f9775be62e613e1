// The validate service: raw -> validated edX / identified xAPI / dead letter.
import { startStageService, type RunningService } from '@lrstream/kafka';
import { loadConfig } from '@lrstream/runtime';
import type { RawEvent } from '@lrstream/schemas';
import { VALIDATE_CONFIG } from './config.js';
import { validateRecord, type ValidateOptions } from './process.js';

export async function startValidate(env: NodeJS.ProcessEnv = process.env): Promise<RunningService> {
  const config = loadConfig(VALIDATE_CONFIG, env);
  const options: ValidateOptions = { edxMode: config.edxMode, unknownEdx: config.unknownEdx };
  return startStageService<RawEvent>(config, {
    stage: 'validate',
    input: 'raw',
    outputs: ['edxValid', 'xapiIdentified'],
    deadLetter: 'deadLetterIdentified',
    process: async (records) => records.map((r) => validateRecord(r, options)),
    describe: { edxMode: config.edxMode },
  });
}
