// Writes golden.ndjson: varied generated edX events and what convertOpenedx made of them. Run once
// with the implementation to freeze (it was run before the speed work of the openedx profile):
//   node --import tsx shared/domain/test/convert/openedx/golden/make-golden.ts
// Each line: {"options": <name in options.ts>, "input": <event>, "output": <JSON text of the result>}.
// The output is kept as text so that key order (what the CLI prints) is compared too.
import { writeFileSync } from 'node:fs';
import { convertOpenedx, OPENEDX_EVENT_NAMES } from '../../../../src/convert/openedx/index.js';
import { generateLines } from '../../../../../../scripts/bench/generate.js';
import { GOLDEN_OPTION_NAMES, GOLDEN_OPTIONS } from './options.js';

type Json = Record<string, unknown>;

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
const rnd = prng(20261122);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
const chance = (p: number): boolean => rnd() < p;
const hex = (n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(rnd() * 16)];
  return s;
};

const COURSES = [
  'course-v1:edX+DemoX+Demo_Course',
  'course-v1:Université+Ç1+2024',
  'course-v1:FUN+CS101+2023_T1',
  'ccx-v1:edX+DemoX+Demo_Course+ccx@3',
  'no-colon-course',
];
const TIMESTAMPS = [
  () => '2024-03-04T08:00:00.123456+00:00',
  () => `2024-03-0${1 + Math.floor(rnd() * 9)}T1${Math.floor(rnd() * 10)}:2${Math.floor(rnd() * 10)}:00Z`,
  () => '2024-03-04T08:00:00.5+02:00',
  () => '2024-03-04T08:00:00.123456789-0530',
  () => '2024-03-04T08:00',
  () => '2024-03-04T08:00:00', // no zone: refused
  () => '2024-02-30T08:00:00Z', // no such day: refused
  () => 1709287200, // not a string
];
const anyTime = () =>
  chance(0.8) ? (TIMESTAMPS[Math.floor(rnd() * 4)] as () => unknown)() : pick(TIMESTAMPS)();
const num = (): unknown =>
  pick([0, 1, 2.5, 12.3456785, 0.0005, 195, -1, '42', '3.14159', '', 'abc', null, true, 1e21, 7]);
const block = (course: string, type: string) =>
  `block-v1:${course.split(':')[1] ?? course}+type@${type}+block@${hex(8)}`;

function videoData(course: string): Json {
  const d: Json = {
    id: chance(0.9) ? hex(12) : pick([42, '', null]),
    code: pick(['html5', 'mobile', 'hls']),
  };
  if (chance(0.7)) d.duration = chance(0.8) ? 120 + Math.floor(rnd() * 900) + rnd() : num();
  const camel = chance(0.5);
  if (camel) d.currentTime = chance(0.8) ? rnd() * 600 : num();
  if (!camel && chance(0.5)) d.current_time = chance(0.8) ? rnd() * 600 : num();
  if (chance(0.5)) {
    d.old_time = chance(0.8) ? rnd() * 600 : num();
    d.new_time = chance(0.8) ? rnd() * 600 : num();
    d.type = 'onSlideSeek';
  }
  if (chance(0.4)) {
    d.old_speed = pick(['1.0', '1.50', 2, 0.75, { a: 1 }, '']);
    d.new_speed = pick(['2.0', '0.5', 1.25, 1]);
  }
  if (chance(0.1)) d.course_id = course;
  return d;
}

function problemCheckServer(course: string): Json {
  const n = pick([1, 1, 2, 3]);
  const submission: Json = {};
  const answers: Json = {};
  const problem = block(course, 'problem');
  for (let i = 0; i < n; i++) {
    const key = `${hex(8)}_${2 + i}_1`;
    const answer = pick(['Paris', ['choice_1', 'choice_2'], 42, 'é "quoted"', ['x']]);
    answers[key] = answer;
    submission[key] = {
      answer,
      correct: pick([true, false, null]),
      input_type: 'choicegroup',
      question: chance(0.95) ? pick(['What is the capital of France?', 'Quelle « ville » ?', '']) : 5,
      response_type: pick(['multiplechoiceresponse', 'choiceresponse', 'stringresponse', 'weird', '']),
      variant: '',
    };
    if (chance(0.05)) delete (submission[key] as Json).answer;
  }
  const d: Json = {
    answers,
    attempts: pick([1, 2, 0, '3']),
    grade: pick([0, 1, 2, '1', 'x']),
    max_grade: pick([1, 2, 0, '2']),
    submission,
    success: pick(['correct', 'incorrect', '']),
  };
  if (chance(0.9)) d.problem_id = problem;
  else d.module_id = problem;
  if (chance(0.1)) delete d.grade;
  return d;
}

function browserProblemQuery(): string {
  const input = `input_${hex(12)}_2_1`;
  return `${encodeURIComponent(input)}%5B%5D=choice_${Math.floor(rnd() * 4)}&${encodeURIComponent(input)}%5B%5D=choice_2`;
}

/** Payload for a mapped name: plausible fields with now and then a wrong type or a gap. */
function dataFor(name: string, course: string, userId: unknown): unknown {
  if (name.includes('video') || name.endsWith('_transcript') || name.includes('cc_menu'))
    return videoData(course);
  if (name.startsWith('edx.course.')) {
    return {
      course_id: course,
      mode: pick(['audit', 'honor', 'verified', '']),
      user_id: chance(0.7) ? userId : undefined,
    };
  }
  if (name === 'edx.grades.course.grade_calculated') {
    return {
      percent_grade: pick([0.75, 0, 1, '0.5', 'x']),
      letter_grade: pick(['Pass', '', 'A']),
      course_id: course,
    };
  }
  if (name === 'edx.grades.subsection.grade_calculated') {
    const d: Json = {
      block_id: block(course, 'sequential'),
      weighted_total_earned: num(),
      weighted_total_possible: num(),
    };
    if (chance(0.1)) delete d.weighted_total_possible;
    return d;
  }
  if (name === 'edx.grades.problem.submitted') {
    return {
      problem_id: chance(0.8) ? block(course, 'problem') : '',
      module_id: block(course, 'problem'),
      weighted_earned: num(),
      weighted_possible: num(),
    };
  }
  if (name === 'edx.completion.block_completion.changed') {
    return { block_id: block(course, 'html'), completion: pick([1, 0.5, 0, true, false, '1']) };
  }
  if (name === 'problem_check') return chance(0.5) ? problemCheckServer(course) : browserProblemQuery();
  if (name === 'showanswer' || name === 'edx.problem.completed')
    return { problem_id: block(course, 'problem') };
  if (name === 'edx.problem.hint.demandhint_displayed') {
    return {
      module_id: block(course, 'problem'),
      hint_index: pick([0, 1, '2']),
      hint_len: 2,
      hint_text: 'Think',
    };
  }
  if (name.startsWith('edx.forum.')) {
    const id = hex(24);
    const d: Json = { id, title: pick(['A thread', 'Ünïcode', 5]), body: 'text' };
    if (chance(0.6)) d.discussion = { id: pick(['general', hex(10), 7]) };
    if (chance(0.3)) d.vote_value = pick(['up', 'down']);
    if (chance(0.3)) d.thread_type = pick(['discussion', 'question']);
    if (chance(0.05)) delete d.id;
    return d;
  }
  if (name === 'edx.ui.lms.link_clicked')
    return { target_url: pick(['https://x.org/a', '', 'relative/path']), current_url: 'https://lms/x' };
  if (name.includes('outline.selected'))
    return {
      target_url: 'https://lms.example.org/courses/x/jump_to/y',
      target_name: pick(['Week 1', 3]),
      widget_placement: 'accordion',
    };
  if (name.startsWith('edx.ui.lms.sequence.')) {
    return {
      id: block(course, 'sequential'),
      current_tab: pick([1, 2, 3]),
      tab_count: pick([5, 0, '4']),
      target_tab: pick([2, 4]),
      widget_placement: 'top',
    };
  }
  if (name.startsWith('edx.special_exam.')) {
    return {
      exam_content_id: chance(0.9) ? block(course, 'sequential') : '',
      exam_name: pick(['Final', 'Midterm', 3]),
      exam_default_time_limit_mins: pick([30, 0, '60']),
      attempt_code: pick([
        'ABCDEF01-2345-4789-ABCD-EF0123456789',
        'not a uuid',
        'https://x.org/attempt/1',
        '',
      ]),
      attempt_id: pick([9, 10, '11']),
      attempt_started_at: '2024-03-04T08:00:00+00:00',
      attempt_completed_at: chance(0.5) ? '2024-03-04T09:00:00+00:00' : null,
      attempt_event_elapsed_time_secs: pick([0, 3600, 12.5]),
    };
  }
  if (name === 'page_close') return '';
  return { something: hex(4) };
}

const NAMES = [...OPENEDX_EVENT_NAMES];
const EXTRA = ['problem_graded', 'seq_next', '__proto__', 'constructor', 'unknown.event'];

function varied(i: number): Json {
  const name = i < NAMES.length * 3 ? (NAMES[i % NAMES.length] as string) : pick([...NAMES, ...EXTRA]);
  const course = chance(0.85) ? (pick(COURSES.slice(0, 4)) as string) : pick([...COURSES, '']);
  const userId = chance(0.75) ? pick([7, 42, 1234]) : pick<unknown>(['13', '  99 ', 'learner', null, 0]);
  const username = pick<unknown>(['learner_7', '', 'ghost', 'Ünï', undefined]);
  const source = pick<unknown>(['browser', 'server', 'browser', undefined, 'mobile']);
  const data = dataFor(name, course, userId);
  const path =
    name.startsWith('edx.forum.') && chance(0.8)
      ? `/courses/${course}/discussion/forum/x/threads/${String((data as Json).id ?? 'z')}/`
      : pick(['/event', '/handler', '']);
  const context: Json = { user_id: userId, course_id: course, path, org_id: 'edX' };
  if (chance(0.3))
    context.referer = pick([
      `https://lms.example.org/courses/${course}/courseware/a/b/?activate_block_id=${encodeURIComponent(block(course, 'problem'))}`,
      'https://lms.example.org/x?foo=1#frag',
      '',
    ]);
  if (chance(0.2)) context.session = hex(32);
  if (chance(0.1)) context.event_source = pick(['browser', 'server']);
  if (chance(0.05)) delete context.course_id;
  if (chance(0.05)) context.user_id = undefined;

  const shape = pick(['async', 'tracking-string', 'tracking-object', 'tracking-both']);
  if (shape === 'async') {
    return JSON.parse(
      JSON.stringify({
        name,
        timestamp: anyTime(),
        context: { ...context, username, event_source: source },
        data,
      }),
    ) as Json;
  }
  const event: Json = {
    username,
    session: chance(0.7) ? hex(32) : undefined,
    ip: '10.0.0.1',
    agent: 'Mozilla/5.0',
    host: 'lms.example.org',
    referer: chance(0.7) ? `https://lms.example.org/courses/${course}/courseware/${hex(6)}/` : undefined,
    accept_language: 'en',
    event:
      shape === 'tracking-object' || typeof data === 'string'
        ? data
        : chance(0.1)
          ? pick(['not json {', '"quoted"', '123', 'null', '[1, 2]'])
          : JSON.stringify(data),
    event_source: source,
    event_type: chance(0.9) ? name : `legacy_${name}`,
    context,
    time: anyTime(),
    page: chance(0.5) ? `https://lms.example.org/courses/${course}/courseware/` : null,
  };
  if (shape === 'tracking-both' || event.event_type !== name) event.name = name;
  if (chance(0.05)) event.timestamp = anyTime();
  if (chance(0.05)) event.data = { overriding: true, id: 'from-data' };
  return JSON.parse(JSON.stringify(event)) as Json;
}

function pageView(): Json {
  const course = pick(COURSES.slice(0, 3));
  const path = `/courses/${course}/courseware/${hex(8)}/`;
  return {
    username: 'learner_3',
    event_type: path,
    event_source: pick(['server', 'server', 'browser']),
    event: '{"GET": {}, "POST": {}}',
    time: anyTime(),
    context: { user_id: pick([3, 13]), course_id: course, path: chance(0.9) ? path : '/other' },
  };
}

/** Server problem_check, often with several questions (parent plus child statements). */
function problemCheck(): Json {
  const course = pick(COURSES.slice(0, 3));
  const event: Json = {
    username: 'learner_5',
    event_type: 'problem_check',
    event_source: 'server',
    referer: `https://lms.example.org/courses/${course}/courseware/`,
    event: problemCheckServer(course),
    time: anyTime(),
    context: { user_id: pick([5, 6]), course_id: course, path: '/handler' },
    page: 'x_module',
  };
  if (chance(0.3))
    return {
      name: 'problem_check',
      timestamp: event.time,
      context: { ...(event.context as Json), referer: event.referer },
      data: event.event,
    };
  return event;
}

const cases: Array<{ options: string; input: unknown }> = [];
const someOptions = () => (chance(0.5) ? 'default' : pick(GOLDEN_OPTION_NAMES));
for (let i = 0; i < 260; i++) cases.push({ options: someOptions(), input: varied(i) });
for (let i = 0; i < 12; i++) cases.push({ options: someOptions(), input: pageView() });
for (let i = 0; i < 24; i++) cases.push({ options: someOptions(), input: problemCheck() });
// Realistic lines as the benchmark makes them (every 37th of 2,220), default options.
const bench = generateLines(2220, 7).lines;
for (let i = 0; i < bench.length; i += 37)
  cases.push({ options: 'default', input: JSON.parse(bench[i] as string) });
for (const input of [
  null,
  [],
  'play_video',
  42,
  { timestamp: '2024-03-01T10:00:00Z', data: {} },
  { name: '' },
]) {
  cases.push({ options: 'default', input });
}

const out = cases.map(({ options, input }) => {
  const result = convertOpenedx(input, GOLDEN_OPTIONS[options] as (typeof GOLDEN_OPTIONS)[string]);
  return JSON.stringify({ options, input, output: JSON.stringify(result) });
});
const file = new URL('./golden.ndjson', import.meta.url);
writeFileSync(file, out.join('\n') + '\n');
const statuses: Record<string, number> = {};
for (const line of out) {
  const status = (JSON.parse((JSON.parse(line) as { output: string }).output) as { status: string }).status;
  statuses[status] = (statuses[status] ?? 0) + 1;
}
process.stderr.write(`${out.length} cases written to ${file.pathname}: ${JSON.stringify(statuses)}\n`);
