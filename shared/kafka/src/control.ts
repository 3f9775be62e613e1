// Operator commands to a running consumer group (`lrstream replay rewind --coordinate`): Kafka lets an
// admin move a group's offsets only while the group has no members, so the replay tool asks every
// instance of the group to leave it (pause), moves the offsets, then asks them back (resume).
//
// The commands travel on the catalogue's control topic (one partition, a day of retention). Every
// stage instance reads it from the beginning with a throw-away group of its own, so an instance
// that starts while a pause is in force obeys it too: the last command for a group is its state.
// A pause carries a deadline (a lease): if the tool dies before sending resume, the stages come
// back by themselves and nothing stays stopped.
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { describeErrorSafely, type Logger } from '@lrstream/runtime';
import { TOPICS, valueSchemaOf, type ControlCommand } from '@lrstream/schemas';
import type { SchemaCodec } from './registry.js';

export type ControlState = { paused: false } | { paused: true; until: number; commandId: string };

/**
 * The state a sequence of commands (in log order) leaves `groupId` in at time `now`: the last
 * command for the group wins; a pause whose deadline has passed is no pause.
 */
export function controlState(
  commands: readonly ControlCommand[],
  groupId: string,
  now: number,
): ControlState {
  let state: ControlState = { paused: false };
  for (const c of commands) {
    if (c.group_id !== groupId) continue;
    state =
      c.action === 'pause' && c.until !== null
        ? { paused: true, until: c.until, commandId: c.command_id }
        : { paused: false };
  }
  return state.paused && state.until <= now ? { paused: false } : state;
}

export interface ControlWatcher {
  stop(): Promise<void>;
}

export interface ControlWatchOptions {
  kafka: Kafka;
  codec: SchemaCodec;
  groupId: string;
  log: Logger;
  /** Called with each change of the group's state (after the history has been read). */
  onChange(state: ControlState): void;
}

/** Follows the control topic for one group; calls `onChange` when its state changes. */
export async function watchControl(options: ControlWatchOptions): Promise<ControlWatcher> {
  const { codec, groupId, log } = options;
  const topic = TOPICS.control;
  const commands: ControlCommand[] = [];
  let current: ControlState = { paused: false };
  let expiry: NodeJS.Timeout | undefined;

  const apply = () => {
    const next = controlState(commands, groupId, Date.now());
    const changed =
      next.paused !== current.paused ||
      (next.paused &&
        current.paused &&
        (next.until !== current.until || next.commandId !== current.commandId));
    current = next;
    clearTimeout(expiry);
    if (next.paused) {
      // The lease: come back by ourselves when the deadline passes.
      expiry = setTimeout(apply, Math.max(0, next.until - Date.now()) + 10);
      expiry.unref();
    }
    if (changed) options.onChange(next);
  };

  // A group of its own that never commits: Kafka forgets it once it is empty.
  const consumer: Consumer = options.kafka.consumer({
    groupId: `lrstream-control.${groupId}.${randomUUID()}`,
    sessionTimeout: 10_000,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        if (!message.value) continue;
        try {
          const command = await codec.decode<ControlCommand>(message.value);
          if (command.group_id === groupId) commands.push(command);
        } catch (err) {
          log.warn(
            { error: describeErrorSafely(err), offset: message.offset },
            'unreadable control command skipped',
          );
        }
      }
      // Apply once the history is read, not command by command: no pause/resume churn at start-up.
      const last = batch.messages[batch.messages.length - 1];
      if (last && BigInt(last.offset) + 1n >= BigInt(batch.highWatermark)) apply();
    },
  });
  return {
    async stop() {
      clearTimeout(expiry);
      await consumer.disconnect();
    },
  };
}

/** Sends one control command (acks=all) and returns it. */
export async function sendControlCommand(
  kafka: Kafka,
  codec: SchemaCodec,
  command: Omit<ControlCommand, 'command_id' | 'issued_at'>,
): Promise<ControlCommand> {
  const full: ControlCommand = { ...command, command_id: randomUUID(), issued_at: Date.now() };
  const schemaId = await codec.lookupValueSchemaId(TOPICS.control, valueSchemaOf('control'));
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({
      topic: TOPICS.control,
      acks: -1,
      messages: [{ key: command.group_id, value: await codec.encode(schemaId, full) }],
    });
  } finally {
    await producer.disconnect();
  }
  return full;
}
