// `lrstream topics apply`: the operator's set-up step. Creates every topic of the catalogue
// (shared/schemas/topics.json: partitions, replication, retention) that Kafka lacks and registers
// every value schema, idempotently; safe to run twice at once. `stack up` runs it; services only
// look up their schema ids and refuse to start when something is missing.
import { parseArgs } from 'node:util';
import { applyCatalogue, createKafka, createSchemaCodec, parseBrokers } from '@lrstream/kafka';
import { loadStackConfig, stackEnv } from '@lrstream/stack';

const HELP = `Usage: lrstream topics apply [--replication-factor N] [--json]

Creates the catalogue's topics that do not exist and registers every value schema under
<topic>-value, on KAFKA_BROKERS and SCHEMA_REGISTRY_URL (the local stack's when unset).
Run it before starting services (stack up does); running it again changes nothing.
`;

export async function topicsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'replication-factor': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals[0] !== 'apply') {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  const rf = values['replication-factor'];
  const replicationFactor = rf === undefined ? undefined : Number(rf);
  if (replicationFactor !== undefined && (!Number.isInteger(replicationFactor) || replicationFactor < 1)) {
    process.stderr.write(`lrstream topics: --replication-factor must be a positive integer, got "${rf}"\n`);
    return 2;
  }
  const local = stackEnv(loadStackConfig());
  const brokers = process.env.KAFKA_BROKERS || local.KAFKA_BROKERS;
  const registryUrl = process.env.SCHEMA_REGISTRY_URL || local.SCHEMA_REGISTRY_URL;
  const kafka = createKafka({ brokers: parseBrokers(brokers), clientId: 'lrstream-topics-apply' });
  const applied = await applyCatalogue(kafka, createSchemaCodec({ url: registryUrl }), { replicationFactor });
  if (values.json) {
    process.stdout.write(JSON.stringify(applied, null, 2) + '\n');
  } else {
    process.stdout.write(
      `topics created: ${applied.created.length > 0 ? applied.created.join(', ') : 'none (all existed)'}\n`,
    );
    for (const { subject, id } of applied.subjects) process.stdout.write(`schema ${subject} id ${id}\n`);
  }
  return 0;
}
