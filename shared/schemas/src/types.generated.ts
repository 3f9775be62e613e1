// Generated from shared/schemas/avro/*.avsc by scripts/gen-types.ts: do not edit.

// control-command.v1.avsc
/** An operator's command to the running instances of one consumer group (lrstream replay): pause the group's consumers (they leave the group so its offsets can be moved) until a deadline, or resume them. The last command for a group is its state. */
export interface ControlCommand {
  /** UUID of this command; log lines name it. */
  command_id: string;
  /** The consumer group the command is for. */
  group_id: string;
  action: 'pause' | 'resume';
  /** For pause: instances resume by themselves at this time (a lease), even if no resume ever comes. */
  until: null | number;
  /** Why, for the log: e.g. 'replay rewind <id>'. No personal data. */
  reason: string;
  issued_at: number;
}

// dead-letter.v1.avsc
/** An event a stage could not process, with the reason and where it came from. Poison input ends here, never lost and never retried forever. */
export interface DeadLetter {
  event_id: null | string;
  /** ingest, validate, convert, anonymize or index. */
  stage: string;
  /** Stable machine-readable code, e.g. XAPI_IFI_COUNT. */
  error_code: string;
  /** One sentence for a person; carries no personal data. */
  error_message: string;
  /** RFC 6901 JSON pointer into the payload. */
  error_pointer: null | string;
  source_topic: null | string;
  source_partition: null | number;
  source_offset: null | number;
  /** The original bytes (identified DLQ) or the anonymized statement (anonymized DLQ). */
  payload: null | Buffer;
  failed_at: number;
  /** Hex SHA-256 of the complete original payload; set whenever payload is set or was truncated. */
  payload_sha256: null | string;
  /** Size of the complete original payload in bytes. */
  payload_bytes: null | number;
  /** True when payload holds only the first bytes of the original (the whole would not fit in a Kafka record). */
  payload_truncated: boolean;
}

// edx-event.v1.avsc
/** A parsed, normalised and validated Open edX tracking-log event. Identifies a learner: only stages before anonymize read it. */
export interface EdxEvent {
  event_id: string;
  received_at: number;
  origin: Origin;
  /** edX event_type, or name for the name/timestamp/data shape. */
  event_type: string;
  /** server, browser, mobile. */
  event_source: null | string;
  /** Event time, when parseable. */
  time: null | number;
  /** context.course_id when present. */
  course_id: null | string;
  /** Name of the validation model that matched; null for event types lrstream does not model. */
  model: null | string;
  /** valid: matched a model; unknown: no model for this type (passed on, counted). */
  validation: 'valid' | 'unknown';
  /** The event object as parsed (any syslog prefix or GELF wrapper removed), as JSON. */
  event_json: string;
  /** The line exactly as received: the ralph conversion profile derives statement ids from it. */
  raw_line: null | string;
}

// origin.v1.avsc
/** Where the event entered the pipeline: lets any stage point back at the raw record. */
export interface Origin {
  topic: string;
  partition: number;
  offset: number;
}

// raw-event.v1.avsc
/** One event as received, before any parsing: the exact original bytes plus where and when it arrived. */
export interface RawEvent {
  /** UUID v4 generated at receipt; follows the event through every stage. */
  event_id: string;
  /** When ingest accepted the event. */
  received_at: number;
  format: SourceFormat;
  /** How the event reached ingest. */
  channel: 'http' | 'file' | 'stdin' | 'replay';
  /** Who sent it: the authenticated client id for HTTP, the file name for files. */
  producer: string;
  /** The exact original bytes of the event (one line or one statement). */
  payload: Buffer;
  /** 1-based line in the source file, when read from a file or stdin. */
  line_number: null | number;
  /** X-Experience-API-Version header of the request, for xAPI input. */
  xapi_version: null | string;
}

// redrive-entry.v1.avsc
/** What lrstream replay dlq did with one dead letter, keyed by the dead letter's coordinates (topic/partition/offset) in a compacted ledger: a dead letter with an entry is never redriven twice. */
export interface RedriveEntry {
  /** UUID of the redrive run. */
  redrive_id: string;
  dead_letter_topic: string;
  dead_letter_partition: number;
  dead_letter_offset: number;
  /** Stage that dead-lettered the record. */
  stage: string;
  error_code: string;
  /** redriven: re-injected; parked: attempt limit reached; unavailable: the original record is gone and the dead letter does not hold it; duplicate: another dead letter of the same source record was redriven (the stage dead-lettered that record twice). */
  status: 'redriven' | 'parked' | 'unavailable' | 'duplicate';
  target_topic: null | string;
  target_partition: null | number;
  /** 1 for a first redrive; one more each time the same event is redriven again. */
  attempt: number;
  /** For parked and unavailable entries: why, in one sentence without personal data. */
  reason: null | string;
  at: number;
  /** Offset of the re-injected record in target_topic/target_partition (redriven entries). */
  target_offset: null | number;
  /** The dead letter's source record (the record the stage failed on): a record is redriven once, however many dead letters it has. */
  source_topic: null | string;
  source_partition: null | number;
  source_offset: null | number;
}

// source-format.v1.avsc
/** edx: one tracking-log line (plain JSON, syslog-prefixed or GELF); xapi: one xAPI statement. */
export type SourceFormat = 'edx' | 'xapi';

// xapi-anonymized.v1.avsc
/** An xAPI statement after the privacy policy was applied: no direct identifier of a person. What Elasticsearch and every later consumer see. */
export interface XapiAnonymized {
  statement_id: string;
  event_id: string;
  received_at: number;
  origin: Origin;
  source_format: SourceFormat;
  timestamp: null | number;
  verb_id: string;
  object_type: string;
  object_id: null | string;
  course_id: null | string;
  /** Keyed pseudonym of the actor (pseudonymize preset); null under the anonymize preset. */
  actor_pseudonym: null | string;
  /** Privacy preset and policy version applied, e.g. pseudonymize@1. */
  policy: string;
  /** Id of the pseudonymisation key used (never the key). */
  key_id: null | string;
  statement_json: string;
  /** When the policy coarsens times, its unit in ms: later stages coarsen the times they add (indexed_at) alike. */
  time_granularity_ms: null | number;
}

// xapi-statement.v1.avsc
/** A valid xAPI statement that still identifies its actor (received as xAPI, or converted from edX). Only the anonymize stage and the optional short-term store read it. */
export interface XapiStatement {
  /** The statement's id (UUID). */
  statement_id: string;
  /** The raw event it came from; one raw edX event may give several statements. */
  event_id: string;
  received_at: number;
  origin: Origin;
  source_format: SourceFormat;
  /** openedx or ralph when converted from edX; null for native xAPI. */
  conversion_profile: null | string;
  timestamp: null | number;
  verb_id: string;
  /** Activity, Agent, Group, StatementRef or SubStatement. */
  object_type: string;
  object_id: null | string;
  /** The course the statement belongs to, when known. */
  course_id: null | string;
  /** The full statement as JSON (extensions are open-ended). */
  statement_json: string;
}
