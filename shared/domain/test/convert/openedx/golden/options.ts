// Named option sets of the golden test (functions cannot be stored in the golden file).
import type { OpenedxOptions, OpenedxUser } from '../../../../src/convert/openedx/index.js';

const KNOWN_COURSES: Readonly<Record<string, string>> = {
  'course-v1:edX+DemoX+Demo_Course': 'Demonstration Course',
  'course-v1:Université+Ç1+2024': 'Cours « accentué »',
};

const actorId = (user: OpenedxUser): string | undefined => {
  if (user.userId !== undefined) return String(user.userId) === '13' ? undefined : `actor-${user.userId}`;
  return user.username === 'ghost' ? undefined : `actor-${user.username}`;
};
const courseName = (id: string): string | undefined =>
  Object.prototype.hasOwnProperty.call(KNOWN_COURSES, id) ? KNOWN_COURSES[id] : undefined;
const userEmail = (user: OpenedxUser): string | undefined =>
  user.userId !== undefined ? `u${user.userId}@example.org` : undefined;

const base: OpenedxOptions = { lmsRootUrl: 'https://lms.example.org', actorId, courseName };

export const GOLDEN_OPTIONS: Readonly<Record<string, OpenedxOptions>> = {
  default: base,
  quirks: { ...base, erbQuirks: true },
  raw: { ...base, normalizeTrackingLog: false, erbQuirks: true },
  mbox: { ...base, agentIfi: 'mbox', userEmail },
  sha: { ...base, agentIfi: 'mbox_sha1sum', userEmail },
  custom: { ...base, lmsRootUrl: 'http://localhost:18000/', transformerVersion: 'golden@1.0' },
};

export const GOLDEN_OPTION_NAMES = Object.keys(GOLDEN_OPTIONS);
