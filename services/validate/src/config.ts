import type { ConfigSpec } from '@lrstream/runtime';
import { stageConfigSpec } from '@lrstream/kafka';

export const VALIDATE_CONFIG = {
  ...stageConfigSpec('validate', 19102),
  edxMode: {
    type: 'enum',
    env: 'EDX_VALIDATION_MODE',
    values: ['strict', 'lenient'],
    default: 'lenient',
    doc: 'strict rejects unknown fields as Ralph does; lenient allows fields newer Open edX releases add',
  },
  unknownEdx: {
    type: 'enum',
    env: 'EDX_UNKNOWN_TYPES',
    values: ['pass', 'dead-letter'],
    default: 'pass',
    doc: 'edX event types without a model: pass to convert (counted there) or dead-letter',
  },
} as const satisfies ConfigSpec;
