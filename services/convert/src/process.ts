// convert: validated edX events -> identified xAPI statements, with the configured profile.
// Every statement is validated (base xAPI) before it leaves; an event without a converter is
// counted as filtered or dead-lettered, as configured. Pure: no Kafka here.
import {
  convertOpenedx,
  createRalphConverter,
  edxActorKey,
  safePointer,
  validateXapiStatement,
  xapiActorKey,
  type Issue,
  type OpenedxOptions,
  type RalphConverter,
} from '@lrstream/domain';
import type { EdxEvent as EdxEventRecord, XapiStatement } from '@lrstream/schemas';
import type { InputRecord, Outcome } from '@lrstream/kafka';

export interface ConvertOptions {
  profile: 'openedx' | 'ralph';
  platformUrl: string;
  uuidNamespace: string;
  /** LMS user id or username -> actor account name (openedx profile). */
  actorIds: Record<string, string>;
  /** Course id -> display name (openedx profile). */
  courseNames: Record<string, string>;
  unsupported: 'filter' | 'dead-letter';
}

function parseOrUndefined(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

/** Usernames whose LMS user id the converter remembers (most recently seen first kept). */
const LEARNT_IDS_MAX = 100_000;

export type Converter = (record: InputRecord<EdxEventRecord>) => Outcome;

export function createConverter(options: ConvertOptions): Converter {
  const ralph: RalphConverter | undefined =
    options.profile === 'ralph'
      ? createRalphConverter({ platformUrl: options.platformUrl, uuidNamespace: options.uuidNamespace })
      : undefined;
  const learntIds = new Map<string, string>();
  const learn = (event: Record<string, unknown>) => {
    const context = event.context as Record<string, unknown> | undefined;
    const id = context?.user_id;
    const username = event.username;
    if (typeof username !== 'string' || username === '') return;
    if (!(typeof id === 'number' || (typeof id === 'string' && /^\d+$/.test(id)))) return;
    learntIds.delete(username);
    learntIds.set(username, String(id));
    // Bounded: the oldest entries go first (Map keeps insertion order).
    if (learntIds.size > LEARNT_IDS_MAX) learntIds.delete(learntIds.keys().next().value as string);
  };
  const openedx: OpenedxOptions = {
    lmsRootUrl: options.platformUrl.replace(/\/+$/, ''),
    // Without a mapping the LMS user id stands in for ERB's external id; anonymize pseudonymises it.
    // An event with a username only uses the user id learnt from that username's other events, so
    // that one learner stays one account (and one pseudonym); the username is the last resort.
    actorId: (user) => {
      const learnt = user.username !== undefined ? learntIds.get(user.username) : undefined;
      return (
        (user.userId !== undefined ? options.actorIds[String(user.userId)] : undefined) ??
        (user.username !== undefined ? options.actorIds[user.username] : undefined) ??
        (user.userId !== undefined && user.userId !== '' ? String(user.userId) : undefined) ??
        (learnt !== undefined ? (options.actorIds[learnt] ?? learnt) : undefined) ??
        (user.username || undefined)
      );
    },
    courseName: (courseId) => options.courseNames[courseId],
  };

  return (input) => {
    const record = input.value;
    const fail = (issue: Issue): Outcome => ({
      kind: 'dead-letter',
      code: issue.code,
      message: issue.message,
      // No key of the input in the pointer (keys can be e-mails or names).
      pointer: safePointer(issue.pointer ? parseOrUndefined(record.event_json) : undefined, issue.pointer),
      payload: Buffer.from(record.raw_line ?? record.event_json),
      eventId: record.event_id,
    });
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(record.event_json) as Record<string, unknown>;
    } catch {
      return fail({ code: 'CONVERT_EVENT_JSON', message: 'The validated event is not JSON.', pointer: '' });
    }

    let statements: Record<string, unknown>[];
    if (ralph) {
      const result = ralph.convert(event, record.raw_line ?? `${record.event_json}\n`);
      if (result.status === 'unsupported') return unsupported(result.issues[0]);
      if (result.status === 'invalid' || !result.statement)
        return fail(
          result.issues[0] ?? { code: 'RALPH_INVALID', message: 'Conversion failed.', pointer: '' },
        );
      statements = [result.statement];
    } else {
      learn(event);
      const result = convertOpenedx(event, openedx);
      if (result.status === 'unsupported') return unsupported(result.issues[0]);
      if (result.status === 'skipped') {
        const skip = skipVerdict(result.issues);
        return skip.kind === 'filtered' ? skip : fail(skip.issue);
      }
      statements = result.statements as unknown as Record<string, unknown>[];
    }

    const outputs = [];
    for (const statement of statements) {
      const issues = validateXapiStatement(statement);
      const first = issues[0];
      if (first)
        return fail({
          ...first,
          code: `CONVERT_INVALID_XAPI:${first.code}`,
          message: `Converted statement is not valid xAPI: ${first.message}`,
        });
      const object = (statement.object ?? {}) as Record<string, unknown>;
      const value: XapiStatement = {
        statement_id: String(statement.id),
        event_id: record.event_id,
        received_at: record.received_at,
        origin: record.origin,
        source_format: 'edx',
        conversion_profile: options.profile,
        timestamp:
          typeof statement.timestamp === 'string' ? nullIfNaN(Date.parse(statement.timestamp)) : null,
        verb_id: String((statement.verb as Record<string, unknown>).id),
        object_type: typeof object.objectType === 'string' ? object.objectType : 'Activity',
        object_id: typeof object.id === 'string' ? object.id : null,
        course_id: record.course_id,
        statement_json: JSON.stringify(statement),
      };
      outputs.push({
        topic: 'xapiIdentified' as const,
        key: xapiActorKey(statement.actor) ?? edxActorKey(event) ?? record.event_id,
        value,
      });
    }
    return { kind: 'emit', outputs };

    function unsupported(issue: Issue | undefined): Outcome {
      if (options.unsupported === 'filter')
        return { kind: 'filtered', rule: `no-converter:${options.profile}` };
      return fail(
        issue ?? {
          code: 'CONVERT_UNSUPPORTED',
          message: `No ${options.profile} converter for this event type.`,
          pointer: '/event_type',
        },
      );
    }
  };
}

/**
 * What a skipped openedx conversion becomes. The reason is the last issue (warnings come first). A
 * mapping that refuses an event is a named filter, as in event-routing-backends; a converter that
 * broke (OPENEDX_INTERNAL) is a dead letter: a defect must be visible and redrivable, not counted
 * as a deliberate filter.
 */
export function skipVerdict(
  issues: readonly Issue[],
): { kind: 'filtered'; rule: string } | { kind: 'dead-letter'; issue: Issue } {
  const reason = issues[issues.length - 1];
  if (reason?.code === 'OPENEDX_INTERNAL') return { kind: 'dead-letter', issue: reason };
  return { kind: 'filtered', rule: `skipped:${reason?.code ?? 'unknown'}` };
}

const nullIfNaN = (n: number): number | null => (Number.isFinite(n) ? n : null);
