// Building the records written to the raw topic: one RawEvent per event, keyed by the actor's hash
// (one learner's events stay ordered on one partition) or, when no actor can be read, the event id.
import { randomUUID } from 'node:crypto';
import { edxActorKey, xapiActorKey } from '@lrstream/domain';
import type { RawEvent } from '@lrstream/schemas';

export interface RawRecord {
  key: string;
  value: RawEvent;
}

export interface Origin {
  channel: RawEvent['channel'];
  producer: string;
  receivedAt: number;
  xapiVersion?: string | null;
}

export function rawRecord(
  format: RawEvent['format'],
  payload: Buffer,
  origin: Origin,
  options: { actorKey?: string | undefined; lineNumber?: number | null; eventId?: string } = {},
): RawRecord {
  const eventId = options.eventId ?? randomUUID();
  return {
    key: options.actorKey ?? eventId,
    value: {
      event_id: eventId,
      received_at: origin.receivedAt,
      format,
      channel: origin.channel,
      producer: origin.producer,
      payload,
      line_number: options.lineNumber ?? null,
      xapi_version: origin.xapiVersion ?? null,
    },
  };
}

export const xapiKeyOf = (statement: unknown): string | undefined =>
  statement && typeof statement === 'object'
    ? xapiActorKey((statement as { actor?: unknown }).actor)
    : undefined;

/**
 * The learner key of one tracking-log line: plain JSON, JSON after a syslog/logger prefix, or a GELF
 * record whose message holds the event. Only for partitioning: parsing failures just mean "no key"
 * (the validate stage reports them).
 */
export function edxKeyOfLine(line: string): string | undefined {
  return edxKeyOfValue(parseLenient(line));
}

export function edxKeyOfValue(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  for (const field of ['short_message', 'full_message']) {
    const text = record[field];
    if (typeof text === 'string' && 'host' in record) return edxActorKey(parseLenient(text));
  }
  return edxActorKey(record);
}

function parseLenient(text: string): unknown {
  const brace = text.indexOf('{');
  if (brace < 0) return undefined;
  try {
    return JSON.parse(brace === 0 ? text : text.slice(brace));
  } catch {
    return undefined;
  }
}
