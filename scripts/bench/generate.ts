// Deterministic generator of realistic edX tracking-log lines for the benchmark (not test data):
// browser events with JSON-string payloads (video sessions, navigation), browser problem_check with
// query-string payloads, server problem_check, enrollments and server page views.

/** Small fast seeded PRNG (mulberry32): the same seed gives the same file. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOST = 'lms.example.org';
const LMS = `https://${HOST}`;
const COURSES = [
  'course-v1:edX+DemoX+Demo_Course',
  'course-v1:FUN+CS101+2023_T1',
  'course-v1:Université+Ç1+2024',
  'course-v1:MITx+6.002x+2024_Spring',
];
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0',
];
const HEX = '0123456789abcdef';
// The `name` Open edX gives each video event (the event_type is the legacy name).
const VIDEO_NAMES: Record<string, string> = {
  load_video: 'edx.video.loaded',
  play_video: 'edx.video.played',
  pause_video: 'edx.video.paused',
  seek_video: 'edx.video.position.changed',
  stop_video: 'edx.video.stopped',
};

/**
 * Mix weights, in percent of draws (sum 100). A video draw writes a whole viewing session (about
 * 7 lines), so videos end up near half of the lines; the generator reports the actual counts.
 */
export const MIX = {
  video: 13, // load/play/pause/seek/stop sessions, browser, JSON-string payloads
  navigation: 22, // seq_next / seq_prev / seq_goto, browser, JSON-string payloads
  problemCheckBrowser: 15, // browser problem_check, query-string payload
  problemCheckServer: 8, // server problem_check, object payload
  enrollment: 12, // edx.course.enrollment.activated / deactivated, server
  pageView: 30, // server page request (event_type equals context.path)
} as const;

export interface GeneratedFile {
  lines: string[];
  counts: Record<string, number>;
}

export function generateLines(count: number, seed = 42): GeneratedFile {
  const rnd = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
  const hex = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += HEX[Math.floor(rnd() * 16)];
    return s;
  };
  let clock = Date.parse('2024-03-04T08:00:00Z');
  const time = () => {
    clock += Math.floor(rnd() * 400);
    // Microsecond precision with an explicit offset, as Open edX writes it.
    return new Date(clock)
      .toISOString()
      .replace('Z', `${String(Math.floor(rnd() * 1000)).padStart(3, '0')}+00:00`);
  };
  const lines: string[] = [];
  const counts: Record<string, number> = {};
  const emit = (kind: string, record: Record<string, unknown>) => {
    lines.push(JSON.stringify(record));
    counts[kind] = (counts[kind] ?? 0) + 1;
  };

  while (lines.length < count) {
    const userId = 1 + Math.floor(rnd() * 5000);
    const username = `learner_${userId}`;
    const course = pick(COURSES);
    const session = hex(32);
    const ip = `10.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}.${1 + Math.floor(rnd() * 254)}`;
    const agent = pick(AGENTS);
    const courseware = `${LMS}/courses/${course}/courseware/${hex(32)}/${hex(32)}/`;
    const block = (type: string) => `block-v1:${course.slice(10)}+type@${type}+block@${hex(32)}`;
    const browser = (eventType: string, event: string, name = eventType) => ({
      username,
      session,
      name,
      agent,
      ip,
      host: HOST,
      referer: courseware,
      accept_language: 'fr-FR,fr;q=0.9,en;q=0.8',
      event,
      event_source: 'browser',
      event_type: eventType,
      context: { user_id: userId, org_id: course.slice(10).split('+')[0], course_id: course, path: '/event' },
      time: time(),
      page: courseware,
    });
    // Server events carry no session field; Ralph's page-view and problem_check models have no name.
    const server = (
      eventType: string,
      event: unknown,
      path: string,
      name?: string,
      page: string | null = null,
    ) => ({
      username,
      ...(name === undefined ? {} : { name }),
      agent,
      ip,
      host: HOST,
      referer: courseware,
      accept_language: 'fr-FR,fr;q=0.9,en;q=0.8',
      event,
      event_source: 'server',
      event_type: eventType,
      context: {
        user_id: userId,
        org_id: course.slice(10).split('+')[0],
        course_id: course,
        path,
        course_user_tags: {},
      },
      time: time(),
      page,
    });

    const r = rnd() * 100;
    if (r < MIX.video) {
      // One viewing session: load, play, a few pause/play/seek, stop.
      const id = hex(32);
      const code = pick(['html5', 'mobile', 'hls']);
      const length = 120 + Math.floor(rnd() * 900);
      let t = 0;
      const video = (type: string, extra: Record<string, unknown> = {}) =>
        emit('video', browser(type, JSON.stringify({ id, code, ...extra }), VIDEO_NAMES[type]));
      video('load_video');
      video('play_video', { currentTime: 0 });
      const steps = 1 + Math.floor(rnd() * 4);
      for (let i = 0; i < steps && lines.length < count; i++) {
        t = Math.min(length, t + rnd() * 120);
        if (rnd() < 0.4) {
          const target = rnd() * length;
          video('seek_video', { old_time: t, new_time: target, type: 'onSlideSeek' });
          t = target;
        } else {
          video('pause_video', { currentTime: t });
          video('play_video', { currentTime: t });
        }
      }
      video('stop_video', { currentTime: length });
    } else if (r < MIX.video + MIX.navigation) {
      const old = 1 + Math.floor(rnd() * 8);
      const kind = pick(['seq_next', 'seq_prev', 'seq_goto'] as const);
      const next = kind === 'seq_next' ? old + 1 : kind === 'seq_prev' ? old - 1 : 1 + Math.floor(rnd() * 9);
      emit('navigation', browser(kind, JSON.stringify({ id: block('sequential'), old, new: next })));
    } else if (r < MIX.video + MIX.navigation + MIX.problemCheckBrowser) {
      const input = `input_${hex(32)}_2_1`;
      const answers = [`choice_${Math.floor(rnd() * 4)}`, `choice_${Math.floor(rnd() * 4)}`];
      const query = answers.map((a) => `${encodeURIComponent(input)}%5B%5D=${a}`).join('&');
      emit('problemCheckBrowser', browser('problem_check', query));
    } else if (r < MIX.video + MIX.navigation + MIX.problemCheckBrowser + MIX.problemCheckServer) {
      const key = `${hex(32)}_2_1`;
      const correct = rnd() < 0.6;
      const problem = block('problem');
      emit(
        'problemCheckServer',
        server(
          'problem_check',
          {
            answers: { [key]: 'choice_1' },
            attempts: 1 + Math.floor(rnd() * 3),
            correct_map: {
              [key]: {
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
            state: { correct_map: {}, done: null, input_state: { [key]: {} }, seed: 1, student_answers: {} },
            submission: {
              [key]: {
                answer: 'Paris',
                correct,
                input_type: 'choicegroup',
                question: 'What is the capital of France?',
                response_type: 'multiplechoiceresponse',
                variant: '',
              },
            },
            success: correct ? 'correct' : 'incorrect',
          },
          `/courses/${course}/xblock/${problem}/handler/xmodule_handler/problem_check`,
          undefined,
          'x_module',
        ),
      );
    } else if (
      r <
      MIX.video + MIX.navigation + MIX.problemCheckBrowser + MIX.problemCheckServer + MIX.enrollment
    ) {
      const activated = rnd() < 0.8;
      emit(
        'enrollment',
        server(
          activated ? 'edx.course.enrollment.activated' : 'edx.course.enrollment.deactivated',
          { course_id: course, mode: pick(['audit', 'honor', 'verified']), user_id: userId },
          '/api/enrollment/v1/enrollment',
          activated ? 'edx.course.enrollment.activated' : 'edx.course.enrollment.deactivated',
        ),
      );
    } else {
      const path = `/courses/${course}/courseware/${hex(32)}/`;
      emit('pageView', server(path, { GET: {}, POST: {} }, path));
    }
  }
  lines.length = count;
  return { lines, counts };
}
