// The deserialization handler: turns an input record's bytes into the stage's value, or says why it
// never will (a stable code for the dead letter). Nothing here throws for a bad record; it throws
// only a retryable error, when the registry cannot answer now.
import { RetryableError } from '@lrstream/runtime';
import type { SchemaCodec } from './registry.js';
import { wireSchemaId } from './registry.js';

export type Decoded<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

export interface InputDecoder<T> {
  decode(record: { key: Buffer | null; value: Buffer | null }): Promise<Decoded<T>>;
}

export interface InputDecoderOptions {
  /** What the input topic's contract says its values are: full name and schema. */
  expected: { fullName: string; schema: object };
  codec: Pick<SchemaCodec, 'writerName' | 'decodeAs'>;
  /** Whether a record without a key is refused (pipeline topics are always keyed). */
  requireKey: boolean;
  /**
   * How long an id the registry does not know is treated as the registry restarting (retry) before
   * records carrying it are dead-lettered.
   */
  unknownIdGraceMs: number;
  now?: () => number;
}

export const DECODE_CODES = {
  nullValue: 'LRS_ERR_NULL_VALUE',
  missingKey: 'LRS_ERR_MISSING_KEY',
  notAvro: 'LRS_ERR_NOT_AVRO',
  unknownId: 'LRS_ERR_SCHEMA_ID_UNKNOWN',
  wrongSchema: 'LRS_ERR_WRONG_SCHEMA',
  badAvro: 'LRS_ERR_AVRO_DECODE',
} as const;

export function createInputDecoder<T>(options: InputDecoderOptions): InputDecoder<T> {
  const now = options.now ?? Date.now;
  const unknownSince = new Map<number, number>();
  const fail = (code: string, message: string): Decoded<T> => ({ ok: false, code, message });

  return {
    async decode({ key, value }) {
      if (value === null || value.length === 0)
        return fail(DECODE_CODES.nullValue, 'The record has no value (a tombstone or an empty record).');
      if (options.requireKey && (key === null || key.length === 0))
        return fail(DECODE_CODES.missingKey, 'The record has no key; pipeline records are keyed.');
      const id = wireSchemaId(value);
      if (id === undefined)
        return fail(DECODE_CODES.notAvro, 'The record value is not Confluent-framed Avro.');

      const writer = await options.codec.writerName(id); // retryable when the registry is down
      if (writer === null) {
        const since = unknownSince.get(id) ?? now();
        unknownSince.set(id, since);
        if (now() - since < options.unknownIdGraceMs)
          throw new RetryableError(
            DECODE_CODES.unknownId,
            `Schema id ${id} is unknown to the registry (it may be restarting).`,
          );
        return fail(DECODE_CODES.unknownId, `Schema id ${id} is unknown to the registry.`);
      }
      unknownSince.delete(id);
      if (writer !== options.expected.fullName)
        return fail(
          DECODE_CODES.wrongSchema,
          `The record was written with schema ${id} (${writer || 'not a named record'}), not a version of ${options.expected.fullName}.`,
        );
      try {
        return { ok: true, value: await options.codec.decodeAs<T>(value, options.expected.schema) };
      } catch {
        return fail(DECODE_CODES.badAvro, `The record value does not decode with its schema ${id}.`);
      }
    },
  };
}
