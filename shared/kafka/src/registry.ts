// Avro values in the Confluent wire format (magic byte 0, 4-byte schema id, Avro binary), with
// schemas registered under the TopicNameStrategy subject `<topic>-value`.
import { SchemaRegistry, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';

export interface SchemaCodec {
  /** Registers (or finds) the schema under `<topic>-value`; returns its registry id. */
  registerValueSchema(topic: string, avsc: object): Promise<number>;
  encode(schemaId: number, value: unknown): Promise<Buffer>;
  decode<T = unknown>(buffer: Buffer): Promise<T>;
}

export const valueSubject = (topic: string): string => `${topic}-value`;

export function createSchemaCodec(options: { url: string }): SchemaCodec {
  const registry = new SchemaRegistry({ host: options.url, retry: { retries: 3 } });
  const registered = new Map<string, Promise<number>>();
  return {
    registerValueSchema(topic, avsc) {
      const subject = valueSubject(topic);
      const key = `${subject}\u0000${JSON.stringify(avsc)}`;
      // Single flight: concurrent callers share one registration request.
      let pending = registered.get(key);
      if (!pending) {
        pending = registry
          .register(
            { type: SchemaType.AVRO, schema: JSON.stringify(avsc) },
            { subject, compatibility: COMPATIBILITY.BACKWARD },
          )
          .then((r) => r.id);
        pending.catch(() => registered.delete(key));
        registered.set(key, pending);
      }
      return pending;
    },
    encode: (schemaId, value) => registry.encode(schemaId, value),
    decode: (buffer) => registry.decode(buffer),
  };
}

/** The schema id carried by a Confluent-framed value, or undefined when the frame is not one. */
export function wireSchemaId(buffer: Buffer): number | undefined {
  if (buffer.length < 5 || buffer[0] !== 0) return undefined;
  return buffer.readInt32BE(1);
}
