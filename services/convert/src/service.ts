// The convert service: validated edX -> identified xAPI statements.
import { readFileSync } from 'node:fs';
import { startStageService, type RunningService } from '@lrstream/kafka';
import { ConfigError, loadConfig } from '@lrstream/runtime';
import type { EdxEvent } from '@lrstream/schemas';
import { CONVERT_CONFIG } from './config.js';
import { createConverter } from './process.js';

function readMap(path: string, variable: string): Record<string, string> {
  if (!path) return {};
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, string>;
  } catch (err) {
    throw new ConfigError(`${variable}: cannot read ${path}: ${(err as Error).message}`);
  }
}

export async function startConvert(env: NodeJS.ProcessEnv = process.env): Promise<RunningService> {
  const config = loadConfig(CONVERT_CONFIG, env);
  const convert = createConverter({
    profile: config.profile,
    platformUrl: config.platformUrl,
    uuidNamespace: config.uuidNamespace,
    actorIds: readMap(config.actorIdsFile, 'ACTOR_IDS_FILE'),
    courseNames: readMap(config.courseNamesFile, 'COURSE_NAMES_FILE'),
    unsupported: config.unsupported,
  });
  return startStageService<EdxEvent>(config, {
    stage: 'convert',
    input: 'edxValid',
    outputs: ['xapiIdentified'],
    deadLetter: 'deadLetterIdentified',
    process: async (records) => records.map(convert),
    describe: { profile: config.profile },
  });
}
