// anonymize: identified xAPI -> anonymized xAPI under a privacy policy. The Kafka key of the output
// is the pseudonym (or the statement id when the policy keeps no stable identifier), so nothing
// downstream is derived from the raw identifier. Pure: no Kafka here.
import {
  anonymizedEventId,
  anonymizedOrigin,
  anonymizedStatementId,
  applyPrivacyPolicy,
  coarsenTime,
  timeGranularityMs,
  type AccountLinks,
  type PrivacyPolicy,
  type PrivacyReport,
  type PseudonymKey,
} from '@lrstream/domain';
import type { InputRecord, Outcome } from '@lrstream/kafka';
import type { XapiAnonymized, XapiStatement } from '@lrstream/schemas';

export interface AnonymizeOptions {
  policy: PrivacyPolicy;
  key: PseudonymKey;
  /** Accounts that are one person (ANONYMIZE_ACCOUNT_LINKS_FILE). */
  links?: AccountLinks;
}

export interface Anonymized {
  outcome: Outcome;
  report?: PrivacyReport;
}

export function anonymizeRecord(input: InputRecord<XapiStatement>, options: AnonymizeOptions): Anonymized {
  const record = input.value;
  let statement: unknown;
  try {
    statement = JSON.parse(record.statement_json);
  } catch {
    statement = undefined;
  }
  if (statement === null || typeof statement !== 'object' || Array.isArray(statement)) {
    // Identified zone: the dead letter may carry the original (its topic is the identified DLQ).
    return {
      outcome: {
        kind: 'dead-letter',
        code: 'ANONYMIZE_STATEMENT_JSON',
        message: 'The identified statement is not a JSON object.',
        pointer: '',
        payload: Buffer.from(record.statement_json),
        eventId: record.event_id,
      },
    };
  }
  const { policy, key, links } = options;
  const result = applyPrivacyPolicy(statement as Record<string, unknown>, policy, {
    key,
    courseId: record.course_id,
    ...(links ? { links } : {}),
  });
  const object = result.statement.object as Record<string, unknown> | undefined;
  const verb = result.statement.verb as Record<string, unknown> | undefined;
  const value: XapiAnonymized = {
    // Keyed (per policy name): nobody without the key computes them from identifiers (a uuid5 of
    // user id and time, a raw event id), and the two presets' copies do not join.
    statement_id:
      typeof result.statement.id === 'string'
        ? result.statement.id
        : anonymizedStatementId(record.statement_id, key, policy.name),
    event_id: anonymizedEventId(record.event_id, key, policy.name),
    received_at: coarsenTime(record.received_at, policy),
    origin: anonymizedOrigin(record.origin, key, policy.name),
    source_format: record.source_format,
    timestamp: record.timestamp === null ? null : coarsenTime(record.timestamp, policy),
    verb_id: typeof verb?.id === 'string' ? verb.id : record.verb_id,
    object_type: record.object_type,
    // From the treated statement: the identified one may carry a query string or a user segment.
    object_id: typeof object?.id === 'string' && record.object_type !== 'SubStatement' ? object.id : null,
    course_id: result.courseId,
    actor_pseudonym: result.actorPseudonym,
    policy: policy.id,
    key_id: key.id,
    statement_json: JSON.stringify(result.statement),
    time_granularity_ms: timeGranularityMs(policy),
  };
  return {
    outcome: {
      kind: 'emit',
      outputs: [
        {
          topic: 'xapiAnonymized',
          key: result.actorPseudonym ?? value.statement_id,
          value,
          // The Kafka record time would otherwise give the exact receipt time back.
          ...(value.time_granularity_ms !== null ? { timestamp: value.received_at } : {}),
        },
      ],
    },
    report: result.report,
  };
}
