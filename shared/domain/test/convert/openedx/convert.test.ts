// Edge cases of the openedx profile: input shapes, users, malformed payloads, options.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { OpenedxOptions, OpenedxUser } from '../../../src/convert/openedx/index.js';
import {
  convertOpenedx,
  OPENEDX_EVENT_MAPPING,
  OPENEDX_EVENT_NAMES,
  OPENEDX_VERBS,
  openedxStatementId,
} from '../../../src/convert/openedx/index.js';
import { pyJsonDumps } from '../../../src/convert/openedx/python.js';

type Json = Record<string, unknown>;

const ROOT = 'https://lms.example.org';
const COURSE = 'course-v1:Org+Num+Run';
const seen: OpenedxUser[] = [];
const OPTIONS: OpenedxOptions = {
  lmsRootUrl: ROOT,
  actorId: (user) => {
    seen.push(user);
    if (user.userId !== undefined) return `actor-${user.userId}`;
    return user.username === 'ghost' ? undefined : `actor-${user.username}`;
  },
  courseName: (id) => (id === COURSE ? 'The Course' : undefined),
};

/** An async-shape event (what ERB's tracker delivers). */
function asyncEvent(name: string, data: unknown, context: Json = {}): Json {
  return {
    name,
    timestamp: '2024-03-01T10:00:00.123456+00:00',
    context: { course_id: COURSE, user_id: 7, session: 's-1', path: '/event', ...context },
    data,
  };
}

const obj = (v: unknown): Json => v as Json;

describe('openedx profile: dispatch and input shapes', () => {
  it('lists the 65 ERB event names plus page_close', () => {
    const erb = [
      'complete_video',
      'edx.completion.block_completion.changed',
      'edx.course.enrollment.activated',
      'edx.course.enrollment.deactivated',
      'edx.course.enrollment.mode_changed',
      'edx.course.grade.now_failed',
      'edx.course.grade.now_passed',
      'edx.course.grade.passed.first_time',
      'edx.forum.comment.created',
      'edx.forum.comment.deleted',
      'edx.forum.comment.edited',
      'edx.forum.comment.reported',
      'edx.forum.comment.unreported',
      'edx.forum.response.created',
      'edx.forum.response.deleted',
      'edx.forum.response.edited',
      'edx.forum.response.reported',
      'edx.forum.response.unreported',
      'edx.forum.response.voted',
      'edx.forum.thread.created',
      'edx.forum.thread.deleted',
      'edx.forum.thread.edited',
      'edx.forum.thread.reported',
      'edx.forum.thread.unreported',
      'edx.forum.thread.viewed',
      'edx.forum.thread.voted',
      'edx.grades.course.grade_calculated',
      'edx.grades.problem.submitted',
      'edx.grades.subsection.grade_calculated',
      'edx.problem.completed',
      'edx.problem.hint.demandhint_displayed',
      'edx.special_exam.practice.attempt.created',
      'edx.special_exam.practice.attempt.submitted',
      'edx.special_exam.proctored.attempt.created',
      'edx.special_exam.proctored.attempt.submitted',
      'edx.special_exam.timed.attempt.created',
      'edx.special_exam.timed.attempt.submitted',
      'edx.ui.lms.link_clicked',
      'edx.ui.lms.outline.selected',
      'edx.ui.lms.sequence.next_selected',
      'edx.ui.lms.sequence.outline.selected',
      'edx.ui.lms.sequence.previous_selected',
      'edx.ui.lms.sequence.tab_selected',
      'edx.video.closed_captions.hidden',
      'edx.video.closed_captions.shown',
      'edx.video.completed',
      'edx.video.loaded',
      'edx.video.paused',
      'edx.video.played',
      'edx.video.position.changed',
      'edx.video.stopped',
      'edx.video.transcript.hidden',
      'edx.video.transcript.shown',
      'hide_transcript',
      'load_video',
      'pause_video',
      'play_video',
      'problem_check',
      'seek_video',
      'show_transcript',
      'showanswer',
      'speed_change_video',
      'stop_video',
      'video_hide_cc_menu',
      'video_show_cc_menu',
    ];
    assert.equal(erb.length, 65);
    assert.deepEqual([...OPENEDX_EVENT_NAMES].sort(), [...erb, 'page_close'].sort());
  });

  it('refuses non-objects and nameless events with issues', () => {
    for (const input of [null, [], 'play_video', 42, undefined]) {
      const res = convertOpenedx(input, OPTIONS);
      assert.equal(res.status, 'skipped');
      assert.deepEqual(res.statements, []);
      assert.equal(res.issues[0]?.code, 'OPENEDX_EVENT_NOT_OBJECT');
    }
    const res = convertOpenedx({ timestamp: '2024-03-01T10:00:00Z', data: {} }, OPTIONS);
    assert.equal(res.status, 'skipped');
    assert.equal(res.issues[0]?.code, 'OPENEDX_EVENT_NAME_MISSING');
    assert.equal(res.issues[0]?.pointer, '/name');
  });

  it("reports unknown event names as 'unsupported'", () => {
    for (const name of [
      'problem_graded',
      'edx.grades.subsection.grade_calculated2',
      '__proto__',
      'constructor',
    ]) {
      const res = convertOpenedx(asyncEvent(name, {}), OPTIONS);
      assert.equal(res.status, 'unsupported', name);
      assert.deepEqual(res.statements, []);
      assert.equal(res.issues[0]?.code, 'OPENEDX_EVENT_UNSUPPORTED');
    }
  });

  it('gives the same statement for the tracking-log and async shapes of one event', () => {
    const data = { id: 'abc123', currentTime: 12.34567, duration: 60, code: 'html5' };
    const fromAsync = convertOpenedx(asyncEvent('play_video', data, { event_source: 'browser' }), OPTIONS);
    const trackingLine = {
      username: 'learner',
      event_source: 'browser',
      event_type: 'play_video',
      event: JSON.stringify(data),
      time: '2024-03-01T10:00:00.123456+00:00',
      context: { course_id: COURSE, user_id: 7, path: '/event' },
      session: 's-1',
    };
    const fromLog = convertOpenedx(trackingLine, OPTIONS);
    assert.equal(fromLog.status, 'converted');
    assert.deepEqual(fromLog.statements, fromAsync.statements);
    const st = fromAsync.statements[0] as Json;
    assert.equal(obj(obj(st.result).extensions)['https://w3id.org/xapi/video/extensions/time'], 12.346);
    assert.equal(obj(st.object).id, `${ROOT}/xblock/block-v1:Org+Num+Run+type@video+block@abc123`);
  });

  it('builds the statement id from verb, actor and the raw timestamp string', () => {
    const event = { ...asyncEvent('load_video', { id: 'v1' }), timestamp: '2024-03-01T10:00:00Z' };
    const st = convertOpenedx(event, OPTIONS).statements[0] as Json;
    assert.equal(st.timestamp, '2024-03-01T10:00:00+00:00');
    const verb = { id: OPENEDX_VERBS.initialized, display: { en: 'initialized' } };
    const actor = { objectType: 'Agent', account: { name: 'actor-7', homePage: ROOT } };
    assert.deepEqual(st.verb, verb);
    assert.deepEqual(st.actor, actor);
    assert.equal(st.id, openedxStatementId(pyJsonDumps(verb), pyJsonDumps(actor), '2024-03-01T10:00:00Z'));
  });
});

describe('openedx profile: users and courses', () => {
  it('refuses anonymous events without calling actorId', () => {
    seen.length = 0;
    const res = convertOpenedx(
      asyncEvent('edx.ui.lms.link_clicked', { target_url: 'https://x.org' }, { user_id: null, username: '' }),
      OPTIONS,
    );
    assert.equal(res.status, 'skipped');
    assert.deepEqual(
      res.issues.map((i) => i.code),
      ['OPENEDX_ACTOR_MISSING'],
    );
    assert.equal(seen.length, 0);
  });

  it('prefers the user in data (acted upon) and ids over usernames; unknown users are refused', () => {
    seen.length = 0;
    const event = asyncEvent('edx.course.enrollment.activated', { user_id: '42', mode: 'audit' });
    assert.equal(convertOpenedx(event, OPTIONS).status, 'converted');
    assert.deepEqual(seen, [{ userId: '42' }]);

    const byName = asyncEvent('edx.course.enrollment.activated', { mode: 'audit' }, { user_id: undefined });
    byName.username = 'ghost';
    const res = convertOpenedx(byName, OPTIONS);
    assert.equal(res.status, 'skipped');
    assert.equal(res.issues[0]?.code, 'OPENEDX_ACTOR_UNRESOLVED');
  });

  it('omits the course name with a warning when the course is unknown', () => {
    const res = convertOpenedx(
      asyncEvent('load_video', { id: 'v1' }, { course_id: 'course-v1:Other+X+Y' }),
      OPTIONS,
    );
    assert.equal(res.status, 'converted');
    assert.deepEqual(
      res.issues.map((i) => i.code),
      ['OPENEDX_COURSE_UNKNOWN'],
    );
    const parent = (
      obj(obj((res.statements[0] as Json).context).contextActivities).parent as Json[]
    )[0] as Json;
    assert.deepEqual(parent, {
      id: `${ROOT}/course/course-v1:Other+X+Y`,
      objectType: 'Activity',
      definition: { type: 'http://adlnet.gov/expapi/activities/course' },
    });
  });

  it('supports the mbox and mbox_sha1sum agent identifiers (ERB XAPI_AGENT_IFI_TYPE)', () => {
    const event = asyncEvent('load_video', { id: 'v1' });
    const userEmail = (u: OpenedxUser): string | undefined => (u.userId === 7 ? 'a@example.org' : undefined);
    const mbox = convertOpenedx(event, { ...OPTIONS, agentIfi: 'mbox', userEmail }).statements[0] as Json;
    assert.deepEqual(mbox.actor, { objectType: 'Agent', mbox: 'mailto:a@example.org' });
    const sha = convertOpenedx(event, { ...OPTIONS, agentIfi: 'mbox_sha1sum', userEmail })
      .statements[0] as Json;
    const hash = createHash('sha1').update('a@example.org').digest('hex');
    assert.deepEqual(sha.actor, { objectType: 'Agent', mbox_sha1sum: hash });
    assert.notEqual(mbox.id, sha.id);
    const none = convertOpenedx(event, { ...OPTIONS, agentIfi: 'mbox' });
    assert.equal(none.status, 'skipped');
    assert.equal(none.issues[0]?.code, 'OPENEDX_ACTOR_UNRESOLVED');
  });
});

describe('openedx profile: malformed payloads give issues, not exceptions', () => {
  it('timestamps: missing, not a string, or without a time zone', () => {
    const cases: Array<[unknown, string]> = [
      [undefined, 'OPENEDX_TIMESTAMP_MISSING'],
      [1709287200, 'OPENEDX_TIMESTAMP_INVALID'],
      ['2024-03-01T10:00:00', 'OPENEDX_TIMESTAMP_INVALID'],
    ];
    for (const [timestamp, code] of cases) {
      const event = { ...asyncEvent('load_video', { id: 'v1' }), timestamp };
      const res = convertOpenedx(event, OPTIONS);
      assert.equal(res.status, 'skipped', String(timestamp));
      assert.equal(res.issues.at(-1)?.code, code);
      assert.equal(res.issues.at(-1)?.pointer, '/timestamp');
    }
  });

  it('names the offending field', () => {
    const cases: Array<[Json, string, string]> = [
      [asyncEvent('load_video', { id: 'v1', duration: 'long' }), 'OPENEDX_FIELD_TYPE', '/data/duration'],
      [asyncEvent('load_video', {}), 'OPENEDX_FIELD_MISSING', '/data/id'],
      [
        asyncEvent('load_video', { id: 'v1' }, { course_id: 'no-colon' }),
        'OPENEDX_FIELD_FORMAT',
        '/context/course_id',
      ],
      [asyncEvent('edx.forum.thread.created', { title: 't' }), 'OPENEDX_FIELD_MISSING', '/data/id'],
      [
        asyncEvent('edx.grades.subsection.grade_calculated', { block_id: 'b' }),
        'OPENEDX_FIELD_MISSING',
        '/data/weighted_total_possible',
      ],
      [
        asyncEvent('edx.completion.block_completion.changed', { block_id: 'b', completion: 'x' }),
        'OPENEDX_FIELD_TYPE',
        '/data/completion',
      ],
      [
        asyncEvent('speed_change_video', { id: 'v', old_speed: { a: 1 }, new_speed: '2.0' }),
        'OPENEDX_FIELD_TYPE',
        '/data/old_speed',
      ],
      [
        asyncEvent('edx.ui.lms.link_clicked', { target_url: '' }),
        'OPENEDX_FIELD_MISSING',
        '/data/target_url',
      ],
    ];
    for (const [event, code, pointer] of cases) {
      const res = convertOpenedx(event, OPTIONS);
      assert.equal(res.status, 'skipped', `${String(event.name)}: ${JSON.stringify(res.issues)}`);
      assert.deepEqual(
        [res.issues.at(-1)?.code, res.issues.at(-1)?.pointer],
        [code, pointer],
        String(event.name),
      );
    }
  });

  it('never throws for any supported name with hostile payloads; what converts is complete', () => {
    const payloads: unknown[] = [
      null,
      [],
      'x_y_z',
      5,
      {},
      { id: 5, duration: -1, user_id: {}, submission: { a: 'x', b: null }, problem_id: [] },
      { id: 'a', submission: { a: { answer: 1, question: 'q?', response_type: 'x' }, b: { question: 'r' } } },
      { target_url: 'https://x', completion: true, weighted_possible: '3', weighted_earned: 'n' },
    ];
    const contexts: Json[] = [
      {},
      { course_id: 7 },
      { course_id: null, referer: 'http://x/?activate_block_id=' },
    ];
    let converted = 0;
    let refused = 0;
    for (const name of OPENEDX_EVENT_NAMES) {
      for (const data of payloads) {
        for (const ctx of contexts) {
          const event = { ...asyncEvent(name, data, ctx), event: data, page: 'https://lms.example.org/p' };
          const res = convertOpenedx(event, OPTIONS);
          assert.ok(['converted', 'skipped'].includes(res.status), name);
          if (res.status === 'skipped') {
            refused++;
            assert.ok(res.issues.length > 0);
            assert.ok(
              res.issues.every((i) => i.code !== 'OPENEDX_INTERNAL'),
              `${name}: ${JSON.stringify(res.issues)}`,
            );
            continue;
          }
          converted++;
          const entry = OPENEDX_EVENT_MAPPING[name];
          for (const st of res.statements) {
            assert.match(
              String(st.id),
              /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
            );
            assert.equal(typeof obj(st.object).id, 'string', `${name}: object id`);
            assert.equal(obj(st.object).objectType, 'Activity');
            const verbId = obj(st.verb).id;
            assert.ok(
              verbId === OPENEDX_VERBS[entry!.verb] || verbId === OPENEDX_VERBS[entry!.browserVerb!],
              name,
            );
          }
        }
      }
    }
    assert.ok(converted > 0 && refused > 0);
  });
});

describe('openedx profile: mapping details', () => {
  it('problem_check: browser events are "attempted" without result; server events "evaluated"', () => {
    const browser = asyncEvent('problem_check', 'input_abc123_2_1=choice_0', {
      event_source: 'browser',
      referer: 'https://lms.example.org/xblock/block-v1:Org+Num+Run+type@vertical+block@v',
    });
    const st = convertOpenedx(browser, OPTIONS).statements[0] as Json;
    assert.equal(obj(st.verb).id, OPENEDX_VERBS.attempted);
    assert.equal(st.result, undefined);
    assert.equal(obj(st.object).id, `${ROOT}/xblock/block-v1:Org+Num+Run+type@problem+block@abc123`);
  });

  it('problem_check with several questions: parent plus one child per question, linked by id', () => {
    const submission = {
      p_2_1: { question: 'Colour?', answer: 'blue', response_type: 'optionresponse', correct: true },
      p_3_1: { question: 'Tools?', answer: ['a', 'b'], response_type: 'choiceresponse', correct: false },
    };
    const event = asyncEvent(
      'problem_check',
      {
        problem_id: 'block-v1:Org+Num+Run+type@problem+block@p',
        grade: 1,
        max_grade: 2,
        submission,
        success: 'incorrect',
      },
      { referer: 'https://lms.example.org/x', event_source: 'server' },
    );
    const res = convertOpenedx(event, OPTIONS);
    assert.equal(res.statements.length, 3);
    const [parent, ...children] = res.statements as Json[];
    assert.equal(obj(parent!.object).objectType, 'Activity');
    assert.equal(obj(obj(parent!.object).definition).interactionType, 'other');
    assert.deepEqual(obj(parent!.result).score, { min: 0, max: 2, raw: 1, scaled: 0.5 });
    assert.equal(new Set(res.statements.map((s) => s.id)).size, 3);
    for (const child of children) {
      const ctx = obj(child.context);
      assert.deepEqual(ctx.statement, { id: parent!.id, objectType: 'StatementRef' });
      assert.deepEqual(obj(ctx.contextActivities).parent, [parent!.object]);
      assert.equal(obj(child.result).score, undefined);
    }
    assert.equal(obj(children[1]!.object).id, `${ROOT}/xblock/block-v1:Org+Num+Run+type@problem+block@p_3_1`);
    assert.deepEqual(children[1]!.result, { success: false, response: '["a", "b"]' });
    const quirky = convertOpenedx(event, { ...OPTIONS, erbQuirks: true }).statements[0] as Json;
    assert.equal(obj(quirky.object).objectType, 'GroupActivity');
  });

  it('exam attempts: urn:uuid for UUID codes, dropped with a warning otherwise; async shape read from data', () => {
    const data = {
      exam_content_id: 'block-v1:Org+Num+Run+type@sequential+block@s',
      exam_name: 'Final',
      exam_default_time_limit_mins: 30,
      attempt_code: 'not a uuid',
      attempt_id: 9,
    };
    const res = convertOpenedx(asyncEvent('edx.special_exam.timed.attempt.created', data), OPTIONS);
    assert.equal(res.status, 'converted');
    assert.deepEqual(
      res.issues.map((i) => i.code),
      ['OPENEDX_EXAM_ATTEMPT_NOT_IRI'],
    );
    const st = res.statements[0] as Json;
    assert.equal(obj(st.object).id, data.exam_content_id);
    assert.equal(obj(obj(st.context).contextActivities).grouping, undefined);
    const uuid = { ...data, attempt_code: 'ABCDEF01-2345-4789-ABCD-EF0123456789' };
    const ok = convertOpenedx(asyncEvent('edx.special_exam.timed.attempt.created', uuid), OPTIONS)
      .statements[0] as Json;
    const grouping = obj(obj(ok.context).contextActivities).grouping as Json[];
    assert.equal(grouping[0]?.id, 'urn:uuid:abcdef01-2345-4789-abcd-ef0123456789');
  });

  it('page_close and server page views follow Ralph (terminated / viewed a page)', () => {
    const close = {
      name: 'page_close',
      event_type: 'page_close',
      event_source: 'browser',
      page: 'https://lms.example.org/courses/x/courseware/',
      time: '2024-03-01T10:00:00+00:00',
      event: '',
      context: { user_id: 7, course_id: COURSE, path: '/event' },
    };
    const closed = convertOpenedx(close, OPTIONS).statements[0] as Json;
    assert.equal(obj(closed.verb).id, OPENEDX_VERBS.terminated);
    assert.deepEqual(closed.object, {
      id: close.page,
      objectType: 'Activity',
      definition: { type: 'http://activitystrea.ms/schema/1.0/page' },
    });

    const path = '/courses/course-v1:Org+Num+Run/courseware';
    const view = {
      event_type: path,
      event_source: 'server',
      event: '{"GET": {}, "POST": {}}',
      time: '2024-03-01T10:00:00+00:00',
      context: { user_id: 7, course_id: COURSE, path },
    };
    const viewed = convertOpenedx(view, { ...OPTIONS, lmsRootUrl: `${ROOT}/` }).statements[0] as Json;
    assert.equal(obj(viewed.verb).id, OPENEDX_VERBS.viewed);
    assert.equal(obj(viewed.object).id, `${ROOT}${path}`);
    // Not a page view: the name is not the requested path, or the event came from the browser.
    assert.equal(
      convertOpenedx({ ...view, context: { user_id: 7, path: '/other' } }, OPTIONS).status,
      'unsupported',
    );
    assert.equal(convertOpenedx({ ...view, event_source: 'browser' }, OPTIONS).status, 'unsupported');
  });

  it('enrollment: course object with mode, no context activities', () => {
    const st = convertOpenedx(asyncEvent('edx.course.enrollment.deactivated', { mode: 'verified' }), OPTIONS)
      .statements[0] as Json;
    assert.equal(obj(st.verb).id, OPENEDX_VERBS.unregistered);
    assert.deepEqual(st.object, {
      id: `${ROOT}/course/${COURSE}`,
      objectType: 'Activity',
      definition: {
        type: 'http://adlnet.gov/expapi/activities/course',
        name: { en: 'The Course' },
        extensions: { 'https://w3id.org/xapi/acrossx/extensions/type': 'verified' },
      },
    });
    assert.equal(obj(st.context).contextActivities, undefined);
  });
});
