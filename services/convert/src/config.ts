import type { ConfigSpec } from '@lrstream/runtime';
import { stageConfigSpec } from '@lrstream/kafka';

export const CONVERT_CONFIG = {
  ...stageConfigSpec('convert', 19103),
  profile: {
    type: 'enum',
    env: 'CONVERT_PROFILE',
    values: ['openedx', 'ralph'],
    default: 'openedx',
    doc: 'openedx: event-routing-backends mapping; ralph: ralph convert compatibility',
  },
  platformUrl: {
    type: 'url',
    env: 'PLATFORM_URL',
    default: 'https://lms.example.org',
    doc: 'LMS root URL: actor homePage and object ids',
  },
  uuidNamespace: {
    type: 'string',
    env: 'UUID_NAMESPACE',
    default: 'ee241f8b-174f-5bdb-a4a3-a7b5b2d2fd72',
    doc: 'uuid5 namespace of ralph-profile statement ids',
  },
  actorIdsFile: {
    type: 'string',
    env: 'ACTOR_IDS_FILE',
    default: '',
    doc: 'JSON file: LMS user id or username -> actor account name',
  },
  courseNamesFile: {
    type: 'string',
    env: 'COURSE_NAMES_FILE',
    default: '',
    doc: 'JSON file: course id -> display name',
  },
  unsupported: {
    type: 'enum',
    env: 'CONVERT_UNSUPPORTED',
    values: ['filter', 'dead-letter'],
    default: 'filter',
    doc: 'events without a converter: counted as filtered, or dead-lettered',
  },
} as const satisfies ConfigSpec;
