// Avro values in the Confluent wire format (magic byte 0, 4-byte schema id, Avro binary), with
// schemas registered under the TopicNameStrategy subject `<topic>-value`.
//
// Registering is the operator's step (`lrstream topics apply`, see catalogue.ts), done once before
// services start; services only look up the ids of the schemas they carry. Registration never
// passes a compatibility level: the registry's global rule applies (BACKWARD on the local stack),
// which avoids the client's check-register-configure sequence that raced when several processes
// registered the same new subject at once.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { PoisonError, RetryableError } from '@lrstream/runtime';

export interface SchemaCodec {
  /** Registers (or finds) the schema under `<topic>-value`; returns its registry id. Operator step. */
  registerValueSchema(topic: string, avsc: object): Promise<number>;
  /**
   * The id under which `<topic>-value` holds exactly this schema. Throws a non-retryable
   * LRS_ERR_SCHEMA_NOT_REGISTERED when the subject or this schema is missing (run `topics apply`).
   */
  lookupValueSchemaId(topic: string, avsc: object): Promise<number>;
  encode(schemaId: number, value: unknown): Promise<Buffer>;
  decode<T = unknown>(buffer: Buffer): Promise<T>;
  /**
   * The full name of the record schema registered under `id`, or null when the registry does not
   * know the id. Throws a retryable error when the registry cannot be reached.
   */
  writerName(id: number): Promise<string | null>;
  /** Decodes with the writer's schema (by the frame's id) resolved to `readerSchema`. */
  decodeAs<T = unknown>(buffer: Buffer, readerSchema: object): Promise<T>;
}

export const valueSubject = (topic: string): string => `${topic}-value`;

const status = (err: unknown): number | undefined => {
  const s = (err as { status?: unknown })?.status;
  return typeof s === 'number' ? s : undefined;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createSchemaCodec(options: { url: string; retries?: number }): SchemaCodec {
  const registry = new SchemaRegistry({ host: options.url, retry: { retries: options.retries ?? 3 } });
  const registered = new Map<string, Promise<number>>();
  const names = new Map<number, string>();

  const register = async (subject: string, schema: string): Promise<number> => {
    // Two registrations of the same new subject at once may conflict (409) or find the subject
    // half-created; the schema is the same, so trying again converges on one id.
    for (let attempt = 1; ; attempt += 1) {
      try {
        return (await registry.register({ type: SchemaType.AVRO, schema }, { subject })).id;
      } catch (err) {
        const s = status(err);
        const transient = s === undefined || s === 409 || s >= 500;
        if (!transient || attempt >= 8) throw err;
        await sleep(100 * attempt);
      }
    }
  };

  return {
    registerValueSchema(topic, avsc) {
      const subject = valueSubject(topic);
      const key = `${subject}\u0000${JSON.stringify(avsc)}`;
      // Single flight: concurrent callers share one registration request.
      let pending = registered.get(key);
      if (!pending) {
        pending = register(subject, JSON.stringify(avsc));
        pending.catch(() => registered.delete(key));
        registered.set(key, pending);
      }
      return pending;
    },
    async lookupValueSchemaId(topic, avsc) {
      const subject = valueSubject(topic);
      try {
        return await registry.getRegistryIdBySchema(subject, {
          type: SchemaType.AVRO,
          schema: JSON.stringify(avsc),
        });
      } catch (err) {
        const s = status(err);
        if (s === 404 || (err as Error)?.name === 'ConfluentSchemaRegistryError')
          throw new PoisonError(
            'LRS_ERR_SCHEMA_NOT_REGISTERED',
            `The registry has no schema under ${subject} matching this build's contract: run "lrstream topics apply" first (it registers every schema of the catalogue).`,
          );
        throw new RetryableError('LRS_ERR_REGISTRY_UNAVAILABLE', `The schema registry did not answer.`, {
          cause: err,
        });
      }
    },
    encode: (schemaId, value) => registry.encode(schemaId, value),
    decode: (buffer) => registry.decode(buffer),
    async writerName(id) {
      const known = names.get(id);
      if (known !== undefined) return known;
      try {
        const schema = (await registry.getSchema(id)) as { name?: unknown };
        const name = typeof schema.name === 'string' ? schema.name : '';
        names.set(id, name);
        return name;
      } catch (err) {
        if (status(err) === 404) return null;
        throw new RetryableError('LRS_ERR_REGISTRY_UNAVAILABLE', `The schema registry did not answer.`, {
          cause: err,
        });
      }
    },
    decodeAs: (buffer, readerSchema) =>
      registry.decode(buffer, { [SchemaType.AVRO]: { readerSchema: readerSchema as never } }),
  };
}

/** The schema id carried by a Confluent-framed value, or undefined when the frame is not one. */
export function wireSchemaId(buffer: Buffer): number | undefined {
  if (buffer.length < 5 || buffer[0] !== 0) return undefined;
  return buffer.readInt32BE(1);
}
