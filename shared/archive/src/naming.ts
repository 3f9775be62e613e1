// Object names of the archive. A name says everything about its object: the topic, the UTC hour of
// its records (Kafka record timestamps), the partition and the first and last offsets it holds, so
// the store itself is the record of what is archived and a retry of the same range writes the same
// name (the object is replaced, never doubled).
//
//   <topic>/dt=YYYY-MM-DD/hour=HH/<topic>+<partition>+<start, 20 digits>+<end, 20 digits>.ndjson.gz
//
// Offsets are zero-padded to 20 digits (the width of a signed 64-bit integer) so names sort by
// offset. Per hour folder, a manifest per partition lists its objects:
//
//   <topic>/dt=YYYY-MM-DD/hour=HH/_manifest/<topic>+<partition>.json
//
// and one small state object per partition points at the last object written:
//
//   <topic>/_state/<topic>+<partition>.json
import { assertCalendarDate } from '@lrstream/runtime';

export const OBJECT_SUFFIX = '.ndjson.gz';
const OFFSET_WIDTH = 20;

export interface ObjectName {
  topic: string;
  /** YYYY-MM-DD (UTC). */
  dt: string;
  /** 0-23 (UTC). */
  hour: number;
  partition: number;
  start: number;
  end: number;
}

/** The UTC hour a Kafka record timestamp (ms) falls in: its date and hour. */
export function hourOf(timestampMs: number): { dt: string; hour: number } {
  const iso = new Date(timestampMs).toISOString();
  return { dt: iso.slice(0, 10), hour: Number(iso.slice(11, 13)) };
}

/** The start of the hour (ms) of a timestamp. */
export function hourStart(timestampMs: number): number {
  return Math.floor(timestampMs / 3_600_000) * 3_600_000;
}

const pad = (offset: number): string => {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`not an offset: ${offset}`);
  return String(offset).padStart(OFFSET_WIDTH, '0');
};

const hh = (hour: number): string => String(hour).padStart(2, '0');

/** The folder of one hour of a topic: `<topic>/dt=YYYY-MM-DD/hour=HH/`. */
export function hourPrefix(topic: string, dt: string, hour: number): string {
  return `${topic}/dt=${dt}/hour=${hh(hour)}/`;
}

export function objectKey(name: ObjectName): string {
  if (name.end < name.start) throw new Error(`end offset ${name.end} before start ${name.start}`);
  return `${hourPrefix(name.topic, name.dt, name.hour)}${name.topic}+${name.partition}+${pad(name.start)}+${pad(name.end)}${OBJECT_SUFFIX}`;
}

/** The prefix every object of a partition starting at `start` in that hour has. */
export function objectStartPrefix(
  topic: string,
  dt: string,
  hour: number,
  partition: number,
  start: number,
): string {
  return `${hourPrefix(topic, dt, hour)}${topic}+${partition}+${pad(start)}+`;
}

const KEY_PATTERN =
  /^(?<topic>[A-Za-z0-9._-]+)\/dt=(?<dt>\d{4}-\d{2}-\d{2})\/hour=(?<hour>\d{2})\/(?<topic2>[A-Za-z0-9._-]+)\+(?<partition>\d+)\+(?<start>\d{20})\+(?<end>\d{20})\.ndjson\.gz$/;

/** Parses an object key; undefined for anything else (manifests, state, foreign files). */
export function parseObjectKey(key: string): ObjectName | undefined {
  const m = KEY_PATTERN.exec(key);
  const g = m?.groups;
  if (!g || g.topic !== g.topic2) return undefined;
  const start = Number(g.start);
  const end = Number(g.end);
  const hour = Number(g.hour);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start || hour > 23)
    return undefined;
  return { topic: g.topic!, dt: g.dt!, hour, partition: Number(g.partition), start, end };
}

/** The name of an object's file without its folders (what replay headers and logs carry). */
export function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

export function manifestKey(topic: string, dt: string, hour: number, partition: number): string {
  return `${hourPrefix(topic, dt, hour)}_manifest/${topic}+${partition}.json`;
}

export function stateKey(topic: string, partition: number): string {
  return `${topic}/_state/${topic}+${partition}.json`;
}

/**
 * Every hour from `from` (inclusive) to `to` (exclusive), as ms timestamps of their starts. A bound
 * inside an hour includes that hour.
 */
export function hoursBetween(fromMs: number, toMs: number): number[] {
  const hours: number[] = [];
  for (let t = hourStart(fromMs); t < toMs; t += 3_600_000) hours.push(t);
  return hours;
}

/**
 * Parses a --from/--to value: an ISO date (`2026-12-04`, midnight UTC), an ISO date and hour
 * (`2026-12-04T13`), or any ISO timestamp. Times without a zone are UTC.
 */
export function parseArchiveTime(value: string): number {
  const v = value.trim();
  let iso = v;
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) iso = `${v}T00:00:00Z`;
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}$/.test(v)) iso = `${v}:00:00Z`;
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v)) iso = `${v}Z`;
  assertCalendarDate(v);
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms))
    throw new Error(`not a date or time: "${value}" (e.g. 2026-12-04 or 2026-12-04T13)`);
  return ms;
}
