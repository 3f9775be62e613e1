// anonymize: identified xAPI -> anonymized xAPI. The Kafka key of the output is the pseudonym, so
// nothing downstream is derived from the raw identifier. Pure: no Kafka here.
import { pseudonymizeStatement, type PseudonymKey } from '@lrstream/domain';
import type { InputRecord, Outcome } from '@lrstream/kafka';
import type { XapiAnonymized, XapiStatement } from '@lrstream/schemas';

export const POLICY = 'pseudonymize@1';

export function anonymizeRecord(input: InputRecord<XapiStatement>, key: PseudonymKey): Outcome {
  const record = input.value;
  let statement: Record<string, unknown>;
  try {
    statement = JSON.parse(record.statement_json) as Record<string, unknown>;
  } catch {
    // Identified zone: the dead letter may carry the original (its topic is the identified DLQ).
    return {
      kind: 'dead-letter',
      code: 'ANONYMIZE_STATEMENT_JSON',
      message: 'The identified statement is not JSON.',
      pointer: '',
      payload: Buffer.from(record.statement_json),
      eventId: record.event_id,
    };
  }
  const { statement: clean, actorPseudonym } = pseudonymizeStatement(statement, key);
  const value: XapiAnonymized = {
    statement_id: record.statement_id,
    event_id: record.event_id,
    received_at: record.received_at,
    origin: record.origin,
    source_format: record.source_format,
    timestamp: record.timestamp,
    verb_id: record.verb_id,
    object_type: record.object_type,
    object_id: record.object_id,
    course_id: record.course_id,
    actor_pseudonym: actorPseudonym ?? null,
    policy: POLICY,
    key_id: key.id,
    statement_json: JSON.stringify(clean),
  };
  return {
    kind: 'emit',
    outputs: [{ topic: 'xapiAnonymized', key: actorPseudonym ?? record.statement_id, value }],
  };
}
