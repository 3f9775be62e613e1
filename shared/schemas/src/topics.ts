// The topic catalogue (../topics.json) as typed constants: topic names are never retyped elsewhere.
import { readFileSync } from 'node:fs';
import { loadValueSchema, type AvroSchema } from './avro.js';

export interface TopicEntry {
  id: TopicId;
  name: string;
  partitions: number;
  /** Copies of each partition; 1 on a single-broker stack (`topics apply --replication-factor` overrides). */
  replicationFactor: number;
  retentionMs: number;
  cleanupPolicy: 'delete' | 'compact';
  key: string;
  valueSchema: string;
  /** True when values can identify a person: such topics never leave the identified zone. */
  personalData: boolean;
}

export type TopicId =
  | 'raw'
  | 'edxValid'
  | 'xapiIdentified'
  | 'xapiAnonymized'
  | 'deadLetterIdentified'
  | 'deadLetterAnonymized'
  | 'control'
  | 'redriveLedger';

const catalogue = JSON.parse(readFileSync(new URL('../topics.json', import.meta.url), 'utf8')) as {
  topics: TopicEntry[];
};

export const TOPIC_CATALOGUE: readonly TopicEntry[] = Object.freeze(catalogue.topics);

export const TOPICS = Object.freeze(
  Object.fromEntries(TOPIC_CATALOGUE.map((t) => [t.id, t.name])) as Record<TopicId, string>,
);

/** TopicNameStrategy: the value subject of a topic. */
export const valueSubjectOf = (topic: string): string => `${topic}-value`;

export function topicEntry(id: TopicId): TopicEntry {
  const entry = TOPIC_CATALOGUE.find((t) => t.id === id);
  if (!entry) throw new Error(`topic "${id}" is not in the catalogue`);
  return entry;
}

/** The self-contained value schema registered for a topic. */
export function valueSchemaOf(id: TopicId): AvroSchema {
  return loadValueSchema(topicEntry(id).valueSchema);
}
