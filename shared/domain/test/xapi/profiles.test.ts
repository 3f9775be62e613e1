import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  XAPI_ISSUE_PROFILE,
  XAPI_PROFILES,
  checkXapiProfiles,
  validateXapiStatement,
} from '../../src/xapi/index.js';
import type { JsonObject } from './fixtures.js';

const P = XAPI_ISSUE_PROFILE;
const V = 'https://w3id.org/xapi/video/extensions/';
const VIDEO_TYPE = 'https://w3id.org/xapi/video/activity-type/video';
const PROFILE_TYPE = 'http://adlnet.gov/expapi/activities/profile';
const SESSION = 'f6d1a2b3-4c5d-4e6f-8a7b-9c0d1e2f3a4b';

function category(iri: string): JsonObject {
  return { id: iri, definition: { type: PROFILE_TYPE } };
}

/** A video statement written for these tests. */
function video(verb: string, context: JsonObject, result?: JsonObject): JsonObject {
  const s: JsonObject = {
    id: '0b1c2d3e-4f50-4a6b-8c7d-8e9f0a1b2c3d',
    actor: { account: { homePage: 'https://lms.example.org', name: 'learner-7' } },
    verb: { id: verb },
    object: { id: 'https://lms.example.org/videos/intro', definition: { type: VIDEO_TYPE } },
    context: {
      contextActivities: { category: [category('https://w3id.org/xapi/video')] },
      extensions: context,
    },
    timestamp: '2024-05-02T08:00:00.000Z',
  };
  if (result !== undefined) s.result = { extensions: result };
  return s;
}

function summary(stmt: unknown): string[] {
  return checkXapiProfiles(stmt).map(
    (r) => `${r.profile}:${r.template ?? '-'}:${r.issues.map((i) => `${i.code}@${i.pointer}`).join(',')}`,
  );
}

describe('xapi profiles: data', () => {
  it('models the 38 Ralph templates, each once', () => {
    const models = XAPI_PROFILES.flatMap((p) => p.templates.map((t) => t.ralphModel));
    assert.equal(models.length, 38);
    assert.equal(new Set(models).size, 38);
    assert.deepEqual(
      XAPI_PROFILES.map((p) => [p.name, p.templates.length]),
      [
        ['video', 9],
        ['lms', 12],
        ['navigation', 2],
        ['virtual-classroom', 15],
      ],
    );
  });
});

describe('xapi profiles: video', () => {
  it('a complete played statement conforms, and is also base-valid', () => {
    const s = video(
      'https://w3id.org/xapi/video/verbs/played',
      { [`${V}session-id`]: SESSION, [`${V}length`]: 120 },
      { [`${V}time`]: 12.5 },
    );
    assert.deepEqual(validateXapiStatement(s), []);
    const [r] = checkXapiProfiles(s);
    assert.equal(r?.profile, 'video');
    assert.equal(r?.template, 'https://w3id.org/xapi/video/templates#played');
    assert.equal(r?.ralphModel, 'VideoPlayed');
    assert.deepEqual(r?.issues, []);
    assert.deepEqual(r?.warnings, []);
  });

  it('reports missing required extensions and missing recommended ones separately', () => {
    const s = video('https://w3id.org/xapi/video/verbs/paused', { [`${V}length`]: 120 }, { [`${V}time`]: 3 });
    const [r] = checkXapiProfiles(s);
    assert.deepEqual(
      r?.issues.map((i) => `${i.code}@${i.pointer}`),
      [
        `${P.REQUIRED}@/result/extensions/https:~1~1w3id.org~1xapi~1video~1extensions~1progress`,
        `${P.REQUIRED}@/result/extensions/https:~1~1w3id.org~1xapi~1video~1extensions~1played-segments`,
      ],
    );
    assert.deepEqual(
      r?.warnings.map((i) => i.pointer.split('~1').pop()),
      ['completion-threshold', 'session-id'],
    );
  });

  it('requires the video category, id and timestamp', () => {
    const s = video('https://w3id.org/xapi/video/verbs/played', {}, { [`${V}time`]: 1 });
    delete s.id;
    delete s.timestamp;
    s.context = { extensions: {} };
    assert.deepEqual(summary(s), [
      `video:https://w3id.org/xapi/video/templates#played:${P.CATEGORY}@/context/contextActivities/category,${P.REQUIRED}@/id,${P.REQUIRED}@/timestamp`,
    ]);
  });

  it('checks extension value types', () => {
    const s = video(
      'https://w3id.org/xapi/video/verbs/seeked',
      { [`${V}session-id`]: 'not-a-uuid', [`${V}length`]: '120' },
      { [`${V}time-from`]: -1, [`${V}time-to`]: 4 },
    );
    const codes = checkXapiProfiles(s)[0]?.issues.map((i) => [
      i.code,
      i.pointer.split('~1').pop(),
      i.expected,
    ]);
    assert.deepEqual(codes, [
      [P.VALUE, 'length', 'number'],
      [
        P.VALUE,
        'session-id',
        'string matching ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[8-9a-bA-B][0-9a-fA-F]{3}-[0-9a-fA-F]{12}',
      ],
      [P.VALUE, 'time-from', 'number >= 0'],
    ]);
  });

  it('completed needs duration and completion true', () => {
    const s = video(
      'http://adlnet.gov/expapi/verbs/completed',
      { [`${V}length`]: 60 },
      { [`${V}time`]: 60, [`${V}progress`]: 1, [`${V}played-segments`]: '0[.]60' },
    );
    const result = s.result as JsonObject;
    result.completion = false;
    assert.deepEqual(summary(s), [
      `video:https://w3id.org/xapi/video/templates#completed:${P.REQUIRED}@/result/duration,${P.VALUE}@/result/completion`,
    ]);
    result.completion = true;
    result.duration = 'PT1M';
    assert.deepEqual(summary(s), ['video:https://w3id.org/xapi/video/templates#completed:']);
  });

  it('interacted statements are told apart by their extensions', () => {
    const interacted = 'http://adlnet.gov/expapi/verbs/interacted';
    const t = { [`${V}time`]: 5 };
    assert.equal(
      checkXapiProfiles(video(interacted, { [`${V}volume`]: 0.5 }, t))[0]?.ralphModel,
      'VideoVolumeChangeInteraction',
    );
    assert.equal(
      checkXapiProfiles(
        video(
          interacted,
          {
            [`${V}full-screen`]: true,
            [`${V}screen-size`]: '1920x1080',
            [`${V}video-playback-size`]: '1280x720',
          },
          t,
        ),
      )[0]?.ralphModel,
      'VideoScreenChangeInteraction',
    );
    // Ralph puts cc-enabled in result.extensions, the profile in context.extensions: both accepted.
    for (const [ctx, res] of [
      [{ [`${V}cc-subtitle-lang`]: 'fr', [`${V}cc-enabled`]: true }, t],
      [{ [`${V}cc-subtitle-lang`]: 'fr' }, { ...t, [`${V}cc-enabled`]: true }],
    ] as const) {
      const [r] = checkXapiProfiles(video(interacted, ctx, res));
      assert.equal(r?.ralphModel, 'VideoEnableClosedCaptioning');
      assert.deepEqual(r?.issues, []);
    }
    const [none] = checkXapiProfiles(video(interacted, {}, t));
    assert.equal(none?.template, undefined);
    assert.equal(none?.issues[0]?.code, P.NO_TEMPLATE);
  });

  it('a statement naming the profile with a foreign verb or object type is flagged', () => {
    assert.deepEqual(summary(video('http://adlnet.gov/expapi/verbs/answered', {})), [
      `video:-:${P.NO_TEMPLATE}@/verb/id`,
    ]);
    const s = video('https://w3id.org/xapi/video/verbs/played', {}, { [`${V}time`]: 1 });
    s.object = { id: 'https://lms.example.org/a' };
    assert.deepEqual(summary(s), [
      `video:https://w3id.org/xapi/video/templates#played:${P.OBJECT_TYPE}@/object/definition/type`,
    ]);
  });

  it('profiles that do not apply produce no report', () => {
    const s = video('http://adlnet.gov/expapi/verbs/answered', {});
    s.context = {};
    assert.deepEqual(checkXapiProfiles(s), []);
    assert.deepEqual(checkXapiProfiles(null), []);
    assert.deepEqual(checkXapiProfiles('x'), []);
  });
});

function lmsStatement(verb: string, type: string, extra: JsonObject = {}): JsonObject {
  return {
    actor: { mbox: 'mailto:l@example.org' },
    verb: { id: verb },
    object: { id: 'https://lms.example.org/thing', definition: { type } },
    context: { contextActivities: { category: category('https://w3id.org/xapi/lms') } },
    timestamp: '2024-05-02T08:00:00Z',
    ...extra,
  };
}

describe('xapi profiles: LMS, navigation, virtual classroom (Ralph templates)', () => {
  it('LMS registration: category, timestamp, role when extensions are present', () => {
    const s = lmsStatement(
      'http://adlnet.gov/expapi/verbs/registered',
      'http://adlnet.gov/expapi/activities/course',
    );
    assert.deepEqual(summary(s), ['lms:LMSRegisteredCourse:']);
    (s.context as JsonObject).extensions = { 'https://w3id.org/xapi/lms/extensions/starting-date': 'soon' };
    assert.deepEqual(summary(s), [
      `lms:LMSRegisteredCourse:${P.VALUE}@/context/extensions/https:~1~1w3id.org~1xapi~1lms~1extensions~1starting-date,${P.REQUIRED}@/context/extensions/https:~1~1w3id.org~1xapi~1lms~1extensions~1role`,
    ]);
    delete s.timestamp;
    s.context = {};
    assert.deepEqual(summary(s), [
      `lms:LMSRegisteredCourse:${P.CATEGORY}@/context/contextActivities/category,${P.REQUIRED}@/timestamp`,
    ]);
  });

  it('LMS page and file objects', () => {
    const page = lmsStatement(
      'https://w3id.org/xapi/netc/verbs/accessed',
      'https://w3id.org/xapi/acrossx/activities/webpage',
    );
    (page.object as JsonObject).definition = {
      type: 'https://w3id.org/xapi/acrossx/activities/webpage',
      extensions: { 'https://w3id.org/xapi/acrossx/extensions/type': 'dashboard' },
    };
    assert.deepEqual(summary(page), [
      `lms:LMSAccessedPage:${P.VALUE}@/object/definition/extensions/https:~1~1w3id.org~1xapi~1acrossx~1extensions~1type`,
    ]);
    const file = lmsStatement('http://id.tincanapi.com/verb/downloaded', 'http://activitystrea.ms/file');
    (file.context as JsonObject).extensions = {
      'https://w3id.org/xapi/cmi5/context/extensions/sessionid': SESSION,
    };
    assert.deepEqual(summary(file), ['lms:LMSDownloadedFile:']);
  });

  it('LMS downloaded video: quality is a positive integer', () => {
    const s = lmsStatement('http://id.tincanapi.com/verb/downloaded', VIDEO_TYPE);
    (s.context as JsonObject).extensions = { [`${V}quality`]: 0, [`${V}length`]: 10.5 };
    assert.deepEqual(
      checkXapiProfiles(s).map((r) => [r.ralphModel, r.issues.map((i) => i.expected)]),
      [['LMSDownloadedVideo', ['integer > 0']]],
    );
  });

  it('navigation: matched by verb and object type only', () => {
    const s = lmsStatement('http://id.tincanapi.com/verb/viewed', 'http://activitystrea.ms/schema/1.0/page');
    s.context = {};
    assert.deepEqual(summary(s), ['navigation:PageViewed:']);
    const terminated = lmsStatement(
      'http://adlnet.gov/expapi/verbs/terminated',
      'http://activitystrea.ms/schema/1.0/page',
    );
    terminated.context = {};
    assert.deepEqual(summary(terminated), ['navigation:PageTerminated:']);
  });

  it('virtual classroom: registration, extensions, poll parent and response', () => {
    const VC = 'https://w3id.org/xapi/virtual-classroom/activity-types/virtual-classroom';
    const base = (verb: string, type: string): JsonObject => ({
      actor: { mbox: 'mailto:l@example.org' },
      verb: { id: verb },
      object: { id: 'https://vc.example.org/room/1', definition: { type } },
      context: {
        registration: SESSION,
        contextActivities: { category: [category('https://w3id.org/xapi/virtual-classroom')] },
        extensions: { 'https://w3id.org/xapi/cmi5/context/extensions/sessionid': 's-1' },
      },
      timestamp: '2024-05-02T08:00:00Z',
    });
    assert.deepEqual(summary(base('https://w3id.org/xapi/virtual-classroom/verbs/muted', VC)), [
      'virtual-classroom:VirtualClassroomMuted:',
    ]);
    const init = checkXapiProfiles(base('http://adlnet.gov/expapi/verbs/initialized', VC));
    assert.deepEqual(
      init.map((r) => [r.ralphModel, r.issues.length, r.warnings.length]),
      [['VirtualClassroomInitialized', 0, 1]],
    );

    const answered = base(
      'http://adlnet.gov/expapi/verbs/answered',
      'http://adlnet.gov/expapi/activities/cmi.interaction',
    );
    assert.deepEqual(summary(answered), [
      `virtual-classroom:VirtualClassroomAnsweredPoll:${P.PARENT}@/context/contextActivities/parent,${P.REQUIRED}@/result/response`,
    ]);
    const ctx = answered.context as JsonObject;
    ctx.contextActivities = {
      ...(ctx.contextActivities as JsonObject),
      parent: { id: 'https://vc.example.org/room/1', definition: { type: VC } },
    };
    answered.result = { response: '' };
    assert.deepEqual(summary(answered), [
      `virtual-classroom:VirtualClassroomAnsweredPoll:${P.VALUE}@/result/response`,
    ]);
    answered.result = { response: 'B' };
    assert.deepEqual(summary(answered), ['virtual-classroom:VirtualClassroomAnsweredPoll:']);

    const left = base('http://activitystrea.ms/leave', VC);
    delete (left.context as JsonObject).registration;
    assert.deepEqual(summary(left), [
      `virtual-classroom:VirtualClassroomLeft:${P.REQUIRED}@/context/registration`,
    ]);
  });

  it('options restrict the profiles checked', () => {
    const s = lmsStatement(
      'http://adlnet.gov/expapi/verbs/registered',
      'http://adlnet.gov/expapi/activities/course',
    );
    assert.equal(checkXapiProfiles(s, { profiles: ['video'] }).length, 0);
    assert.equal(checkXapiProfiles(s, { profiles: ['lms'] }).length, 1);
  });
});
