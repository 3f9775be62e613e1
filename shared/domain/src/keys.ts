// Kafka message keys for the identified zone: a stable hash of the actor, so one learner's events
// stay in order on one partition. Never the event name (hot partitions), never the raw identifier
// (keys are logged and shown by tools). Downstream of anonymize, keys come from the pseudonym instead.
import { createHash } from 'node:crypto';

const hash = (kind: string, value: string): string =>
  createHash('sha256').update(`${kind}\u0000${value}`).digest('hex').slice(0, 32);

/** Key of an xAPI actor (Agent or identified Group) from its inverse functional identifier. */
export function xapiActorKey(actor: unknown): string | undefined {
  if (!actor || typeof actor !== 'object') return undefined;
  const a = actor as Record<string, unknown>;
  if (typeof a.mbox === 'string') return hash('mbox', a.mbox.toLowerCase());
  if (typeof a.mbox_sha1sum === 'string') return hash('mbox_sha1sum', a.mbox_sha1sum.toLowerCase());
  if (typeof a.openid === 'string') return hash('openid', a.openid);
  const account = a.account as Record<string, unknown> | undefined;
  if (account && typeof account.homePage === 'string' && typeof account.name === 'string') {
    return hash('account', `${account.homePage}\u0000${account.name}`);
  }
  return undefined;
}

/** Key of an edX event's learner: the LMS user id when known, else the username. */
export function edxActorKey(event: unknown): string | undefined {
  if (!event || typeof event !== 'object') return undefined;
  const e = event as Record<string, unknown>;
  const context = (e.context ?? {}) as Record<string, unknown>;
  const userId = context.user_id;
  if (
    (typeof userId === 'number' && Number.isFinite(userId)) ||
    (typeof userId === 'string' && userId !== '')
  ) {
    return hash('edx-user-id', String(userId));
  }
  if (typeof e.username === 'string' && e.username !== '') return hash('edx-username', e.username);
  return undefined;
}
