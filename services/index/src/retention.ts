// Short retention without ILM (the integ-test distribution has none): the service deletes the
// identified store's daily indices once a whole day is older than the retention, at start and then
// every day. With N days, a statement is searchable for at least N and at most N+2 days after it was
// received (index granularity one day, cleanup cadence one day). The Kafka topic keeps it 7 days.
import type { Client } from '@elastic/elasticsearch';

const DAY_MS = 86_400_000;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Start of the UTC day a `<prefix>-YYYY.MM.DD` index holds, or undefined for any other name. */
export function dayOfIndex(name: string, prefix: string): number | undefined {
  const match = new RegExp(`^${escape(prefix)}-(\\d{4})\\.(\\d{2})\\.(\\d{2})$`).exec(name);
  if (!match) return undefined;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const day = Date.UTC(y, m - 1, d);
  const check = new Date(day);
  // Rejects 2026.02.31 and the like instead of rolling over into another day.
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d)
    return undefined;
  return day;
}

/** Names among `names` whose whole day ended more than `days` days before `now`. */
export function expiredIndices(
  names: readonly string[],
  prefix: string,
  days: number,
  now: number,
): string[] {
  return names.filter((name) => {
    const day = dayOfIndex(name, prefix);
    return day !== undefined && day + DAY_MS <= now - days * DAY_MS;
  });
}

/** Deletes the expired daily indices of `prefix`; answers their names. Never touches other names. */
export async function deleteExpiredIndices(
  client: Client,
  prefix: string,
  days: number,
  now: number = Date.now(),
): Promise<string[]> {
  const rows = await client.cat.indices({
    index: `${prefix}-*`,
    format: 'json',
    h: 'index',
    expand_wildcards: 'all',
  });
  const names = rows.map((r) => r.index).filter((n): n is string => typeof n === 'string');
  const expired = expiredIndices(names, prefix, days, now);
  if (expired.length > 0) await client.indices.delete({ index: expired.join(','), ignore_unavailable: true });
  return expired;
}
