// Building dead letters that always fit in a Kafka record: a dead letter that cannot be written
// would leave its input with nowhere to go. The payload is kept whole when it fits; otherwise its
// first bytes are kept, with the SHA-256 and size of the whole, so the original can still be
// recognised (and found again at its source offsets).
import { createHash } from 'node:crypto';
import type { DeadLetter } from '@lrstream/schemas';

/** Payload bytes kept when a payload is truncated. */
export const PAYLOAD_EXCERPT_BYTES = 64 * 1024;

export type PayloadFields = Pick<
  DeadLetter,
  'payload' | 'payload_sha256' | 'payload_bytes' | 'payload_truncated'
>;

/** The payload fields of a dead letter: whole when `payload.length <= maxBytes`, else an excerpt. */
export function payloadFields(payload: Buffer | null | undefined, maxBytes: number): PayloadFields {
  if (!payload) return { payload: null, payload_sha256: null, payload_bytes: null, payload_truncated: false };
  const sha256 = createHash('sha256').update(payload).digest('hex');
  const truncated = payload.length > maxBytes;
  return {
    payload: truncated ? Buffer.from(payload.subarray(0, Math.max(0, maxBytes))) : payload,
    payload_sha256: sha256,
    payload_bytes: payload.length,
    payload_truncated: truncated,
  };
}

export interface DeadLetterInput {
  stage: string;
  code: string;
  message: string;
  pointer?: string | null;
  eventId?: string | null;
  payload?: Buffer | null;
  source?: { topic: string; partition: number; offset: string } | null;
  failedAt?: number;
}

/** A dead letter with its payload kept whole if it fits in `maxPayloadBytes`. */
export function buildDeadLetter(input: DeadLetterInput, maxPayloadBytes: number): DeadLetter {
  return {
    event_id: input.eventId ?? null,
    stage: input.stage,
    error_code: input.code,
    error_message: input.message,
    error_pointer: input.pointer ?? null,
    source_topic: input.source?.topic ?? null,
    source_partition: input.source?.partition ?? null,
    source_offset: input.source ? Number(input.source.offset) : null,
    failed_at: input.failedAt ?? Date.now(),
    ...payloadFields(input.payload, maxPayloadBytes),
  };
}

/**
 * Encodes a dead letter so that it fits in `maxRecordBytes`: the whole payload first, then an
 * excerpt of PAYLOAD_EXCERPT_BYTES, then none (the hash, size and source offsets always stay).
 */
export async function encodeDeadLetterWithin(
  input: DeadLetterInput,
  maxRecordBytes: number,
  encode: (letter: DeadLetter) => Promise<Buffer>,
): Promise<{ letter: DeadLetter; value: Buffer }> {
  const whole = input.payload?.length ?? 0;
  // Each attempt keeps fewer payload bytes; the message itself is bounded by the stages' own text.
  for (const keep of [whole, PAYLOAD_EXCERPT_BYTES, 1024, 0]) {
    if (keep > whole && keep !== whole) continue;
    const letter = buildDeadLetter(input, keep);
    if (keep === 0 && input.payload) letter.payload = null;
    const value = await encode(letter);
    if (value.length <= maxRecordBytes) return { letter, value };
  }
  // Only a pathological message could get here: cut it, keep every fixed field.
  const letter = buildDeadLetter({ ...input, message: input.message.slice(0, 1024) }, 0);
  letter.payload = null;
  return { letter, value: await encode(letter) };
}
