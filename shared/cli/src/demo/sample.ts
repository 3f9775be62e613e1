// A realistic, reproducible sample of learning traces for the demo and the end-to-end tests:
// Open edX tracking-log lines (video sessions with string payloads, problems, navigation,
// enrollments, page views) and Marsha-style xAPI video statements, plus deliberately bad input
// whose fate is known in advance (each bad item says which dead-letter code family it must get).
import { createHash } from 'node:crypto';

export interface SampleItem {
  format: 'edx' | 'xapi';
  /** The bytes as a client would send them (one tracking-log line, or one statement). */
  text: string;
  /** For bad input: why it must be dead-lettered. */
  bad?: 'malformed-json' | 'invalid-xapi';
  family: string;
}

/** Small deterministic PRNG (mulberry32): the same seed gives the same sample. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const LMS = 'https://lms.example.org';
const COURSES = [
  'course-v1:FUN+STAT101+2026_T1',
  'course-v1:FUN+HIST201+2026_T1',
  'course-v1:FUN+CODE301+2026_T2',
];

export interface SampleOptions {
  events: number;
  seed?: number;
  /** Share of deliberately bad items (0..1). */
  badRatio?: number;
  /** Start of the simulated period (ms). */
  start?: number;
}

export function generateSample(options: SampleOptions): SampleItem[] {
  const random = prng(options.seed ?? 42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const start = options.start ?? Date.UTC(2026, 10, 2, 8);
  const items: SampleItem[] = [];
  let clock = start;
  const tick = () => (clock += Math.floor(random() * 40_000) + 500);
  const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');

  while (items.length < options.events) {
    const userId = 1000 + Math.floor(random() * 200);
    const username = `learner${userId}`;
    const course = pick(COURSES);
    const session = createHash('md5')
      .update(`${userId}:${Math.floor(clock / 3_600_000)}`)
      .digest('hex');
    const common = (eventType: string, source: 'browser' | 'server', page?: string) => ({
      username,
      session,
      ip: random() < 0.3 ? `2001:db8::${userId.toString(16)}` : `198.51.100.${userId % 250}`,
      agent:
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      host: 'lms.example.org',
      referer: `${LMS}/courses/${course}/courseware/`,
      accept_language: 'fr-FR,fr;q=0.9',
      event_source: source,
      event_type: eventType,
      name: eventType,
      time: iso(tick()),
      // Server events have no page; browser events carry the page URL.
      page: source === 'server' ? null : (page ?? `${LMS}/courses/${course}/courseware/`),
      context: {
        user_id: userId,
        org_id: 'FUN',
        course_id: course,
        path: source === 'browser' ? '/event' : '/courses/x/xblock/handler',
        course_user_tags: {},
      },
    });
    const edx = (family: string, line: object) =>
      items.push({ format: 'edx', family, text: JSON.stringify(line) });
    const roll = random();

    if (roll < 0.35) {
      // A video session: load, play, pause/seek, stop; browser events carry their payload as a JSON string.
      // Browser video events name the video by its block id alone (the converter builds the IRI).
      const video = createHash('md5')
        .update(course + (userId % 7))
        .digest('hex')
        .slice(0, 12);
      const duration = 600 + Math.floor(random() * 900);
      let position = 0;
      const payload = (extra: object) => JSON.stringify({ id: video, code: 'html5', duration, ...extra });
      edx('video', { ...common('load_video', 'browser'), event: payload({}) });
      edx('video', { ...common('play_video', 'browser'), event: payload({ currentTime: position }) });
      position += Math.floor(random() * 200);
      if (random() < 0.5) {
        const to = Math.min(duration, position + Math.floor(random() * 120));
        edx('video', {
          ...common('seek_video', 'browser'),
          event: payload({ old_time: position, new_time: to, type: 'onSlideSeek' }),
        });
        position = to;
      }
      edx('video', { ...common('pause_video', 'browser'), event: payload({ currentTime: position }) });
      edx('video', { ...common('stop_video', 'browser'), event: payload({ currentTime: position }) });
    } else if (roll < 0.5) {
      const block = createHash('md5')
        .update(`${course}:p${Math.floor(random() * 20)}`)
        .digest('hex');
      const problem = `block-v1:${course.slice(10)}+type@problem+block@${block}`;
      const correct = random() < 0.6;
      edx('problem', {
        ...common('problem_check', 'server'),
        // Server-side problem events name the module system, not a URL, as their page.
        page: 'x_module',
        event: {
          answers: { [`${block}_2_1`]: correct ? 'choice_1' : 'choice_2' },
          attempts: 1 + Math.floor(random() * 3),
          correct_map: {
            [`${block}_2_1`]: {
              correctness: correct ? 'correct' : 'incorrect',
              hint: '',
              hintmode: null,
              msg: '',
              npoints: null,
              queuestate: null,
            },
          },
          grade: correct ? 1 : 0,
          max_grade: 1,
          problem_id: problem,
          state: { correct_map: {}, done: null, input_state: {}, seed: 1, student_answers: {} },
          submission: {},
          success: correct ? 'correct' : 'incorrect',
        },
      });
    } else if (roll < 0.65) {
      edx('navigation', {
        ...common('edx.ui.lms.sequence.next_selected', 'browser'),
        event: JSON.stringify({
          current_tab: 1,
          id: `block-v1:${course.slice(10)}+type@sequential+block@s1`,
          tab_count: 4,
          target_tab: 2,
          widget_placement: 'top',
        }),
      });
    } else if (roll < 0.72) {
      edx('enrollment', {
        ...common('edx.course.enrollment.activated', 'server'),
        event: { course_id: course, mode: 'audit', user_id: userId },
      });
    } else if (roll < 0.8) {
      const path = `/courses/${course}/courseware`;
      const line = common(path, 'server');
      line.context.path = path;
      edx('page-view', { ...line, event: '{"POST": {}, "GET": {}}' });
    } else {
      // Marsha: xAPI video statements, identified by an account on the LMS.
      const verbs = ['initialized', 'played', 'paused', 'completed'] as const;
      const verb = pick(verbs);
      const videoId = `https://marsha.example.org/videos/${uuidFrom(course).slice(0, 8)}`;
      const statement = {
        id: uuidFrom(`${items.length}:${userId}:${clock}`),
        actor: { objectType: 'Agent', account: { homePage: LMS, name: username } },
        verb: { id: `https://w3id.org/xapi/video/verbs/${verb}`, display: { 'en-US': verb } },
        object: {
          objectType: 'Activity',
          id: videoId,
          definition: {
            type: 'https://w3id.org/xapi/video/activity-type/video',
            name: { 'en-US': 'Lecture' },
          },
        },
        ...(verb === 'initialized'
          ? {}
          : {
              result: {
                extensions: {
                  'https://w3id.org/xapi/video/extensions/time': Math.round(random() * 6000) / 10,
                },
              },
            }),
        context: {
          registration: uuidFrom(`${userId}:${course}`),
          contextActivities: {
            category: [{ id: 'https://w3id.org/xapi/video' }],
            parent: [
              {
                id: `${LMS}/courses/${course}`,
                definition: { type: 'http://adlnet.gov/expapi/activities/course' },
              },
            ],
          },
          extensions: { 'https://w3id.org/xapi/video/extensions/session-id': uuidFrom(session) },
        },
        timestamp: new Date(tick()).toISOString(),
      };
      items.push({ format: 'xapi', family: 'marsha', text: JSON.stringify(statement) });
    }

    if (random() < (options.badRatio ?? 0.02)) {
      if (random() < 0.5)
        items.push({
          format: 'edx',
          family: 'bad',
          bad: 'malformed-json',
          text: `{"event_type": "play_video", "time": "${iso(tick())}", "event": {`,
        });
      else {
        items.push({
          format: 'xapi',
          family: 'bad',
          bad: 'invalid-xapi',
          text: JSON.stringify({
            id: uuidFrom(`bad:${items.length}:${clock}`),
            // Two inverse functional identifiers on one agent: invalid xAPI.
            actor: {
              objectType: 'Agent',
              mbox: `mailto:${username}@example.org`,
              account: { homePage: LMS, name: username },
            },
            verb: { id: 'https://w3id.org/xapi/video/verbs/played' },
            object: { id: `${LMS}/video/bad` },
          }),
        });
      }
    }
  }
  return items.slice(0, options.events);
}
