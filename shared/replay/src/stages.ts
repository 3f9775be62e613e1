// What replay needs to know of each consuming stage: where it reads, where it dead-letters, and its
// default consumer group. The one table of it: rewind, redrive and the docs read it from here.
import type { TopicId } from '@lrstream/schemas';

export interface ReplayStage {
  /** The stage name as written in dead letters' `stage` field and in metric names. */
  stage: string;
  input: TopicId;
  deadLetter: TopicId;
  /** Consumer group when the service's GROUP_ID is left at its default. */
  defaultGroup: string;
}

export const REPLAY_STAGES: readonly ReplayStage[] = Object.freeze([
  { stage: 'validate', input: 'raw', deadLetter: 'deadLetterIdentified', defaultGroup: 'validate' },
  { stage: 'convert', input: 'edxValid', deadLetter: 'deadLetterIdentified', defaultGroup: 'convert' },
  {
    stage: 'anonymize',
    input: 'xapiIdentified',
    deadLetter: 'deadLetterIdentified',
    defaultGroup: 'anonymize',
  },
  { stage: 'index', input: 'xapiAnonymized', deadLetter: 'deadLetterAnonymized', defaultGroup: 'index' },
  {
    stage: 'index-identified',
    input: 'xapiIdentified',
    deadLetter: 'deadLetterIdentified',
    defaultGroup: 'index-identified',
  },
]);

export function replayStage(name: string): ReplayStage {
  const found = REPLAY_STAGES.find((s) => s.stage === name);
  if (!found)
    throw new Error(`unknown stage "${name}" (one of: ${REPLAY_STAGES.map((s) => s.stage).join(', ')})`);
  return found;
}
