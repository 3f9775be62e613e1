// Writing an object with its manifest entry, and finding where a partition's archive ends.
//
// The objects are the truth; manifests and the per-partition state are indexes of them, written
// after the object, so a crash can leave them one object behind, never ahead:
//   1. PUT the object (gzip NDJSON; its name encodes its offset range),
//   2. upsert its entry in the hour's manifest for its partition (range, records, bytes, sha256),
//   3. PUT the partition's state (the last end offset and object).
// resumePoint() reads the state (or, when it is missing, lists the topic's objects), and the
// archive service then looks for an object starting right after it (an object whose manifest and
// state were not written before a crash) before writing anything: see adoptObjectAt().
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  hourOf,
  manifestKey,
  objectKey,
  objectStartPrefix,
  parseObjectKey,
  stateKey,
  type ObjectName,
} from './naming.js';
import type { ObjectStore } from './store.js';

export interface ManifestEntry {
  /** The object's key in the store. */
  object: string;
  start: number;
  end: number;
  records: number;
  /** Compressed size. */
  bytes: number;
  sha256: string;
  /** Kafka timestamps (ms) of the first and last records. */
  first_timestamp: number;
  last_timestamp: number;
}

export interface HourManifest {
  lrstream_archive_manifest: 1;
  topic: string;
  partition: number;
  dt: string;
  hour: number;
  /** Sorted by start offset. */
  objects: ManifestEntry[];
}

export interface PartitionState {
  lrstream_archive_state: 1;
  topic: string;
  partition: number;
  /** Last archived offset. */
  end: number;
  object: string;
}

export interface BuiltObject {
  key: string;
  name: ObjectName;
  body: Buffer;
  entry: ManifestEntry;
}

/**
 * The object for consecutive lines of one partition and one hour. The same lines always give the
 * same name and bytes (gzip without a file time), so a retry rewrites the same object.
 */
export function buildObject(
  topic: string,
  partition: number,
  lines: { offset: number; timestamp: number; line: string }[],
): BuiltObject {
  const first = lines[0];
  const last = lines[lines.length - 1];
  if (!first || !last) throw new Error('an archive object needs at least one record');
  const { dt, hour } = hourOf(first.timestamp);
  const name: ObjectName = { topic, dt, hour, partition, start: first.offset, end: last.offset };
  const key = objectKey(name);
  const body = gzipSync(Buffer.from(lines.map((l) => l.line).join(''), 'utf8'));
  return {
    key,
    name,
    body,
    entry: {
      object: key,
      start: name.start,
      end: name.end,
      records: lines.length,
      bytes: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
      first_timestamp: first.timestamp,
      last_timestamp: last.timestamp,
    },
  };
}

export async function readManifest(
  store: ObjectStore,
  topic: string,
  dt: string,
  hour: number,
  partition: number,
): Promise<HourManifest | undefined> {
  const body = await store.get(manifestKey(topic, dt, hour, partition));
  return body ? (JSON.parse(body.toString('utf8')) as HourManifest) : undefined;
}

/** Adds (or replaces, by object key) an object's entry in its hour's manifest. */
export async function recordInManifest(
  store: ObjectStore,
  name: ObjectName,
  entry: ManifestEntry,
): Promise<void> {
  const current = (await readManifest(store, name.topic, name.dt, name.hour, name.partition)) ?? {
    lrstream_archive_manifest: 1 as const,
    topic: name.topic,
    partition: name.partition,
    dt: name.dt,
    hour: name.hour,
    objects: [],
  };
  const objects = current.objects.filter((o) => o.object !== entry.object);
  objects.push(entry);
  objects.sort((a, b) => a.start - b.start);
  await store.put(
    manifestKey(name.topic, name.dt, name.hour, name.partition),
    Buffer.from(JSON.stringify({ ...current, objects }, null, 1) + '\n'),
  );
}

export async function writeState(store: ObjectStore, name: ObjectName, key: string): Promise<void> {
  const state: PartitionState = {
    lrstream_archive_state: 1,
    topic: name.topic,
    partition: name.partition,
    end: name.end,
    object: key,
  };
  await store.put(stateKey(name.topic, name.partition), Buffer.from(JSON.stringify(state) + '\n'));
}

/** Steps 1-3 above. */
export async function writeObject(store: ObjectStore, built: BuiltObject): Promise<void> {
  await store.put(built.key, built.body);
  await recordInManifest(store, built.name, built.entry);
  await writeState(store, built.name, built.key);
}

/** The lines of an object (gzip NDJSON), without the final newline's empty string. */
export function objectLines(body: Buffer): string[] {
  const text = gunzipSync(body).toString('utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export interface ResumePoint {
  /** The last archived offset of the partition, or undefined when nothing of it is archived. */
  end: number | undefined;
  /** Where it was found. */
  source: 'state' | 'listing' | 'none';
}

/**
 * Where a partition's archive ends: its state object, or, when there is none (first start, or the
 * state was deleted), the highest end offset among the topic's objects of that partition.
 */
export async function resumePoint(
  store: ObjectStore,
  topic: string,
  partition: number,
): Promise<ResumePoint> {
  const body = await store.get(stateKey(topic, partition));
  if (body) {
    const state = JSON.parse(body.toString('utf8')) as PartitionState;
    if (Number.isSafeInteger(state.end)) return { end: state.end, source: 'state' };
  }
  let end: number | undefined;
  for (const o of await store.list(`${topic}/dt=`)) {
    const name = parseObjectKey(o.key);
    if (name && name.topic === topic && name.partition === partition && (end === undefined || name.end > end))
      end = name.end;
  }
  return end === undefined ? { end: undefined, source: 'none' } : { end, source: 'listing' };
}

/**
 * An object of this partition that starts at `offset` (whose first record has `timestamp`): one
 * written before a crash whose manifest entry or state was not. It is adopted: its entry and the
 * state are written from the object itself, and its name is returned (the caller resumes after
 * its end). Undefined when there is none.
 */
export async function adoptObjectAt(
  store: ObjectStore,
  topic: string,
  partition: number,
  offset: number,
  timestamp: number,
): Promise<ObjectName | undefined> {
  const { dt, hour } = hourOf(timestamp);
  const found = (await store.list(objectStartPrefix(topic, dt, hour, partition, offset)))
    .map((o) => parseObjectKey(o.key))
    .filter((n): n is ObjectName => n !== undefined)
    .sort((a, b) => b.end - a.end)[0];
  if (!found) return undefined;
  const key = objectKey(found);
  const body = await store.get(key);
  if (!body) return undefined;
  const lines = objectLines(body);
  const timestamps = lines.map((l) => (JSON.parse(l) as { timestamp: number }).timestamp);
  const entry: ManifestEntry = {
    object: key,
    start: found.start,
    end: found.end,
    records: lines.length,
    bytes: body.length,
    sha256: createHash('sha256').update(body).digest('hex'),
    first_timestamp: timestamps[0] ?? timestamp,
    last_timestamp: timestamps[timestamps.length - 1] ?? timestamp,
  };
  await recordInManifest(store, found, entry);
  await writeState(store, found, key);
  return found;
}
