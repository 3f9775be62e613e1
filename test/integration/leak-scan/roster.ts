// The roster attack: someone who holds the roster (raw user ids, usernames, account names, the
// platform URLs) and the public edX-to-xAPI vocabulary, but not the pseudonymisation key, tries to
// tie anonymized-zone records back to people: ids equal to identified-zone ids, ERB statement ids
// recomputed as uuid5(uuid5(DNS, verb), actor + '-' + time), Kafka keys recomputed as the
// identified zone's actor hashes.
import { createHash } from 'node:crypto';

/** The RFC 4122 DNS namespace ERB builds its statement ids on (docs: "UUIDv5 of event data"). */
const DNS = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

function uuid5(namespace: string, name: string): string {
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const pyString = (s: string) =>
  JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const verbJson = (id: string, en: string) => `{"id": ${pyString(id)}, "display": {"en": ${pyString(en)}}}`;
const actorJson = (name: string, homePage: string) =>
  `{"objectType": "Agent", "account": {"name": ${pyString(name)}, "homePage": ${pyString(homePage)}}}`;
const actorHash = (kind: string, value: string) =>
  createHash('sha256').update(`${kind}\u0000${value}`).digest('hex').slice(0, 32);

export interface Roster {
  userIds: string[];
  names: string[];
  homePages: string[];
}

/** A record of the anonymized zone as the attacker sees it. */
export interface DownstreamRecord {
  where: string;
  statementId?: string;
  eventId?: string;
  origin?: { topic: string; partition: number; offset: string | number };
  key?: string;
  verb?: { id?: string; display?: Record<string, string> };
  timestamp?: string;
}

export interface Recovered {
  where: string;
  method: string;
  value: string;
  who: string;
}

export interface Upstream {
  statementIds: Map<string, string>;
  eventIds: Map<string, string>;
  positions: Map<string, string>;
  /** (verb id, display.en) pairs of the public ERB vocabulary, as seen in converted statements. */
  vocabulary: [string, string][];
}

const HOUR = 3_600_000;

/** Raw time strings an edX tracking log may have written for a statement timestamp. */
function timeCandidates(timestamp: string): string[] {
  const out = new Set([timestamp, timestamp.replace(/Z$/, '+00:00')]);
  const ms = Date.parse(timestamp);
  if (Number.isFinite(ms)) {
    const iso = new Date(ms).toISOString();
    out
      .add(iso)
      .add(iso.replace(/Z$/, '+00:00'))
      .add(iso.replace(/\.\d{3}Z$/, '+00:00'));
    out.add(iso.replace(/Z$/, '000+00:00'));
  }
  return [...out];
}

/** `focus` picks the records whose hours are brute-forced (the attacker's targets). */
export function rosterAttack(
  roster: Roster,
  upstream: Upstream,
  records: DownstreamRecord[],
  focus: (r: DownstreamRecord) => boolean = () => true,
): Recovered[] {
  const found: Recovered[] = [];
  const actors = roster.homePages.flatMap((home) =>
    [...roster.userIds, ...roster.names].map((name) => ({ name, json: actorJson(name, home) })),
  );
  const namespaces = upstream.vocabulary.map(([id, en]) => ({ id, ns: uuid5(DNS, verbJson(id, en)) }));
  const keyOf = new Map<string, string>();
  for (const u of roster.userIds) keyOf.set(actorHash('edx-user-id', u), `user id ${u}`);
  for (const n of roster.names) keyOf.set(actorHash('edx-username', n), `username ${n}`);
  for (const home of roster.homePages)
    for (const n of [...roster.userIds, ...roster.names])
      keyOf.set(actorHash('account', `${home}\u0000${n}`), `account ${home} ${n}`);

  // Hour-coarsened times: the attacker tries every second of the hour (whole-second raw times)
  // for the roster's LMS user ids and usernames, in the hours of the records it targets.
  const brute = new Map<string, string>();
  const targets = records.filter((r) => focus(r) && r.statementId && r.timestamp);
  const hours = new Set(
    targets.map((r) => Date.parse(r.timestamp as string)).filter((ms) => ms % HOUR === 0),
  );
  const wanted = new Set(targets.map((r) => r.statementId as string));
  const lmsActors = [...roster.userIds, ...roster.names].map((u) => ({
    name: u,
    json: actorJson(u, roster.homePages[0] ?? ''),
  }));
  for (const hour of hours)
    for (const { id, ns } of namespaces)
      for (let s = 0; s < 3600; s++) {
        const raw = new Date(hour + s * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
        for (const a of lmsActors) {
          const candidate = uuid5(ns, `${a.json}-${raw}`);
          if (wanted.has(candidate)) brute.set(candidate, `${id} ${a.name} ${raw}`);
        }
      }
  const bruteForce = brute;

  for (const r of records) {
    const hit = (method: string, value: string, who: string) =>
      found.push({ where: r.where, method, value, who });
    if (r.statementId && upstream.statementIds.has(r.statementId))
      hit(
        'statement id = identified-zone statement id',
        r.statementId,
        upstream.statementIds.get(r.statementId) ?? '',
      );
    if (r.eventId && upstream.eventIds.has(r.eventId))
      hit('event id = raw event id', r.eventId, upstream.eventIds.get(r.eventId) ?? '');
    if (r.origin) {
      const pos = `${r.origin.topic}/${r.origin.partition}/${String(r.origin.offset)}`;
      if (upstream.positions.has(pos))
        hit('origin = raw record position', pos, upstream.positions.get(pos) ?? '');
    }
    if (r.key && keyOf.has(r.key))
      hit('Kafka key = actor hash of a roster id', r.key, keyOf.get(r.key) ?? '');
    if (r.statementId && r.timestamp) {
      const ids = new Set(
        r.verb?.id && r.verb.display?.en
          ? [{ id: r.verb.id, ns: uuid5(DNS, verbJson(r.verb.id, r.verb.display.en)) }]
          : [],
      );
      const candidates = [...ids, ...namespaces.filter((n) => !r.verb?.id || n.id === r.verb.id)];
      let done = false;
      for (const { ns } of candidates) {
        for (const time of timeCandidates(r.timestamp)) {
          for (const a of actors)
            if (uuid5(ns, `${a.json}-${time}`) === r.statementId) {
              hit('ERB statement id recomputed from roster + time', r.statementId, `${a.name} @ ${time}`);
              done = true;
              break;
            }
          if (done) break;
        }
        if (done) break;
      }
      const brute = bruteForce.get(r.statementId);
      if (!done && brute)
        hit('ERB statement id brute-forced within the coarsened hour', r.statementId, brute);
    }
  }
  return found;
}
