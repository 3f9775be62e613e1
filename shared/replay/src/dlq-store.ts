// Reading what redrive decides on: dead letters (by filter), the redrive ledger, the source records.
// Values are decoded with this build's schemas (the writer's schema resolved to ours).
import {
  offsetsAtTime,
  partitionBounds,
  readRecordsAt,
  scanRanges,
  wireSchemaId,
  type Kafka,
  type KafkaRecord,
  type OffsetRange,
  type SchemaCodec,
} from '@lrstream/kafka';
import { TOPICS, valueSchemaOf, type DeadLetter, type RedriveEntry, type TopicId } from '@lrstream/schemas';
import type { LedgerView, SourceLookup } from './dlq-decide.js';
import {
  deadLetterKey,
  matchesFilter,
  sourceKey,
  type DeadLetterFilter,
  type StoredDeadLetter,
} from './dlq-select.js';

const CLIENT_ID = 'lrstream-replay-dlq';

export interface DeadLetterScan {
  letters: StoredDeadLetter[];
  /** Records read from the dead-letter topic (selected or not). */
  read: number;
  /** Records that are not dead letters of this build's contract (counted, never selected). */
  undecodable: number;
}

/**
 * The dead letters of `topic` that match `filter`, in topic order. With `filter.since`, reading
 * starts at the first record written at or after it (a dead letter's record time is never before
 * its failed_at); `from` (partition -> offset) overrides where reading starts.
 */
export async function readDeadLetters(
  kafka: Kafka,
  codec: SchemaCodec,
  topic: string,
  filter: DeadLetterFilter,
  options: { from?: ReadonlyMap<number, bigint>; onRead?: (read: number) => void } = {},
): Promise<DeadLetterScan> {
  const bounds = await partitionBounds(kafka, topic);
  const starts =
    options.from ??
    (filter.since !== undefined ? await offsetsAtTime(kafka, topic, filter.since) : undefined);
  const ranges = new Map<number, OffsetRange[]>();
  for (const [partition, b] of bounds)
    ranges.set(partition, [{ from: starts?.get(partition) ?? b.low, to: b.high }]);
  const reader = valueSchemaOf('deadLetterIdentified');
  const scan: DeadLetterScan = { letters: [], read: 0, undecodable: 0 };
  await scanRanges(
    kafka,
    topic,
    ranges,
    async (record) => {
      scan.read += 1;
      if (scan.read % 1000 === 0) options.onRead?.(scan.read);
      if (record.value === null) return void (scan.undecodable += 1);
      let letter: DeadLetter;
      try {
        letter = await codec.decodeAs<DeadLetter>(record.value, reader);
      } catch {
        scan.undecodable += 1;
        return;
      }
      if (!matchesFilter(letter, filter)) return;
      scan.letters.push({
        topic,
        partition: record.partition,
        offset: record.offset,
        key: record.key,
        letter,
      });
    },
    { clientId: CLIENT_ID },
  );
  scan.letters.sort((a, b) =>
    a.partition !== b.partition ? a.partition - b.partition : Number(BigInt(a.offset) - BigInt(b.offset)),
  );
  return scan;
}

export interface Ledger extends LedgerView {
  readonly size: number;
  /** Entries by status. */
  counts(): Record<RedriveEntry['status'], number>;
}

/** The redrive ledger as it stands (compacted topic, read to its end; the latest entry per key wins). */
export async function loadLedger(kafka: Kafka, codec: SchemaCodec): Promise<Ledger> {
  const topic = TOPICS.redriveLedger;
  const entries = new Map<string, RedriveEntry>();
  const bounds = await partitionBounds(kafka, topic);
  const ranges = new Map([...bounds].map(([p, b]) => [p, [{ from: b.low, to: b.high }]]));
  const reader = valueSchemaOf('redriveLedger');
  await scanRanges(
    kafka,
    topic,
    ranges,
    async (record) => {
      const key = record.key?.toString('utf8');
      if (!key) return;
      if (record.value === null) return void entries.delete(key);
      entries.set(key, await codec.decodeAs<RedriveEntry>(record.value, reader));
    },
    { clientId: CLIENT_ID },
  );
  const sources = new Map<string, string>();
  for (const [key, entry] of entries)
    if (
      entry.status === 'redriven' &&
      entry.source_topic !== null &&
      entry.source_partition !== null &&
      entry.source_offset !== null
    )
      sources.set(`${entry.source_topic}/${entry.source_partition}/${entry.source_offset}`, key);
  return {
    get size() {
      return entries.size;
    },
    entry: (key) => entries.get(key),
    redrivenSource: (key) => sources.get(key),
    counts() {
      const out = { redriven: 0, parked: 0, unavailable: 0, duplicate: 0 };
      for (const e of entries.values()) out[e.status] += 1;
      return out;
    },
  };
}

/** The schema a record of this topic must be written with: its full record name. */
function fullNameOf(id: TopicId): string {
  const schema = valueSchemaOf(id) as { name: string; namespace?: string };
  return schema.name.includes('.')
    ? schema.name
    : `${schema.namespace ? `${schema.namespace}.` : ''}${schema.name}`;
}

/**
 * Whether a dead letter's payload can stand in for its expired source record: only when it is a
 * whole Avro record of the input topic's contract (what the stage runtime keeps for records it
 * could not decode); stages that keep another form (the raw line, the statement JSON) cannot.
 */
export async function payloadVerdict(
  codec: SchemaCodec,
  letter: DeadLetter,
  input: TopicId,
): Promise<Extract<SourceLookup, { kind: 'missing' }>['payload']> {
  if (letter.payload === null) return { usable: false, reason: 'the dead letter holds no payload' };
  if (letter.payload_truncated)
    return {
      usable: false,
      reason: 'the dead letter holds only the first bytes of the record (payload_truncated)',
    };
  const id = wireSchemaId(letter.payload);
  if (id === undefined)
    return {
      usable: false,
      reason: `its payload is what the stage kept (not an Avro record of ${TOPICS[input]})`,
    };
  const name = await codec.writerName(id);
  if (name !== fullNameOf(input))
    return { usable: false, reason: `its payload is not a record of ${TOPICS[input]} (schema id ${id})` };
  try {
    await codec.decodeAs(letter.payload, valueSchemaOf(input));
  } catch {
    return { usable: false, reason: `its payload does not decode as a record of ${TOPICS[input]}` };
  }
  return { usable: true };
}

/**
 * The source record of each dead letter (read from `inputTopic` at its source offset), or why it is
 * missing and whether the payload can stand in. Keyed by dead letter key.
 */
export async function lookupSources(
  kafka: Kafka,
  codec: SchemaCodec,
  letters: readonly StoredDeadLetter[],
  input: TopicId,
): Promise<Map<string, SourceLookup>> {
  const inputTopic = TOPICS[input];
  const wanted = new Map<number, bigint[]>();
  for (const { letter } of letters)
    if (
      letter.source_topic === inputTopic &&
      letter.source_partition !== null &&
      letter.source_offset !== null
    ) {
      const list = wanted.get(letter.source_partition) ?? [];
      list.push(BigInt(letter.source_offset));
      wanted.set(letter.source_partition, list);
    }
  const at = await readRecordsAt(kafka, inputTopic, wanted, { clientId: CLIENT_ID });
  const out = new Map<string, SourceLookup>();
  for (const stored of letters) {
    const { letter } = stored;
    const position =
      letter.source_partition !== null && letter.source_offset !== null
        ? `${letter.source_partition}/${letter.source_offset}`
        : undefined;
    const found: KafkaRecord | undefined = position ? at.found.get(position) : undefined;
    if (found && letter.source_topic === inputTopic) {
      out.set(deadLetterKey(stored), { kind: 'found', record: found });
      continue;
    }
    const why =
      sourceKey(letter) === null || position === undefined
        ? ('no-source' as const)
        : (at.missing.get(position) ?? ('absent' as const));
    out.set(deadLetterKey(stored), {
      kind: 'missing',
      why,
      payload: await payloadVerdict(codec, letter, input),
    });
  }
  return out;
}
