// Keyed pseudonymisation of xAPI statements (first slice of the privacy stage): every agent
// identifier is replaced by an HMAC-SHA-256 pseudonym under a secret key, names are removed, and
// free-text answers are dropped. Same key and same person give the same pseudonym (statements can
// still be joined); without the key nobody can go back to the person.
import { createHmac } from 'node:crypto';

export interface PseudonymKey {
  /** Identifier recorded with each statement (never the key itself). */
  id: string;
  secret: Buffer;
}

/** Home page of pseudonymous accounts: says what the account is, points nowhere. */
export const PSEUDONYM_HOMEPAGE = 'https://lrstream.invalid/pseudonym';

type Json = Record<string, unknown>;

/** Canonical text of an agent's inverse functional identifier, or undefined when it has none. */
export function agentIfi(agent: Json): string | undefined {
  if (typeof agent.mbox === 'string') return `mbox:${agent.mbox.toLowerCase()}`;
  if (typeof agent.mbox_sha1sum === 'string') return `mbox_sha1sum:${agent.mbox_sha1sum.toLowerCase()}`;
  if (typeof agent.openid === 'string') return `openid:${agent.openid}`;
  const account = agent.account as Json | undefined;
  if (account && typeof account.homePage === 'string' && typeof account.name === 'string') {
    return `account:${account.homePage}\u0000${account.name}`;
  }
  return undefined;
}

export function pseudonymOf(ifi: string, key: PseudonymKey): string {
  return createHmac('sha256', key.secret).update(ifi).digest('hex').slice(0, 32);
}

function pseudonymizeAgent(agent: Json, key: PseudonymKey): Json {
  const out: Json = {};
  if (agent.objectType !== undefined) out.objectType = agent.objectType;
  const ifi = agentIfi(agent);
  if (ifi !== undefined) out.account = { homePage: PSEUDONYM_HOMEPAGE, name: pseudonymOf(ifi, key) };
  if (Array.isArray(agent.member)) out.member = agent.member.map((m) => pseudonymizeAgent(m as Json, key));
  return out;
}

// Interaction types whose response is whatever the learner typed.
const FREE_TEXT_INTERACTIONS = new Set(['fill-in', 'long-fill-in', 'other']);

function pseudonymizeBody(statement: Json, key: PseudonymKey): Json {
  const out: Json = { ...statement };
  if (out.actor && typeof out.actor === 'object') out.actor = pseudonymizeAgent(out.actor as Json, key);
  if (out.authority && typeof out.authority === 'object')
    out.authority = pseudonymizeAgent(out.authority as Json, key);
  const object = out.object as Json | undefined;
  if (object && (object.objectType === 'Agent' || object.objectType === 'Group'))
    out.object = pseudonymizeAgent(object, key);
  if (object && object.objectType === 'SubStatement')
    out.object = { ...pseudonymizeBody(object, key), objectType: 'SubStatement' };
  if (out.context && typeof out.context === 'object') {
    const context: Json = { ...(out.context as Json) };
    if (context.instructor && typeof context.instructor === 'object')
      context.instructor = pseudonymizeAgent(context.instructor as Json, key);
    if (context.team && typeof context.team === 'object')
      context.team = pseudonymizeAgent(context.team as Json, key);
    out.context = context;
  }
  const interactionType =
    ((object?.definition as Json | undefined)?.interactionType as string | undefined) ?? 'other';
  if (out.result && typeof out.result === 'object' && FREE_TEXT_INTERACTIONS.has(interactionType)) {
    const { response: _dropped, ...result } = out.result as Json;
    out.result = result;
  }
  return out;
}

export interface PseudonymizedStatement {
  statement: Json;
  /** The actor's pseudonym (message key and index field); undefined when the actor has no IFI. */
  actorPseudonym: string | undefined;
}

export function pseudonymizeStatement(statement: Json, key: PseudonymKey): PseudonymizedStatement {
  const actor = statement.actor as Json | undefined;
  const ifi = actor ? agentIfi(actor) : undefined;
  return {
    statement: pseudonymizeBody(statement, key),
    actorPseudonym: ifi === undefined ? undefined : pseudonymOf(ifi, key),
  };
}
