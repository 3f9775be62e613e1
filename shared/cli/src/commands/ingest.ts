// `lrstream ingest file <path...>` / `lrstream ingest --stdin`: tracking logs (plain, .gz, GELF) and
// xAPI NDJSON into the same raw topic as the HTTP ingest, with a progress line and a final count.
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  createKafka,
  createRecordProducer,
  createSchemaCodec,
  assertPipelineTopics,
  buildDeadLetter,
  parseBrokers,
  PAYLOAD_EXCERPT_BYTES,
} from '@lrstream/kafka';
import { ingestFiles, type FileFormat } from '@lrstream/ingest';
import { localServiceEnv } from '../local-env.js';

const HELP = `Usage: lrstream ingest file <path...> [--format auto|edx|xapi|archive]
       lrstream ingest --stdin [--format auto|edx|xapi|archive]

Writes every line (one event) to the raw topic, as the HTTP ingest does; the pipeline's validate
stage then checks it (bad lines end in the dead-letter topic with their line number). Objects of
lrstream's archive (.ndjson.gz written by the archive service) are recognised (or --format archive):
their records go back as they were, with their original event ids. Uses
KAFKA_BROKERS and SCHEMA_REGISTRY_URL, or the local stack's when they are not set.
`;

export async function ingestCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      stdin: { type: 'boolean', default: false },
      format: { type: 'string', default: 'auto' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [sub, ...paths] = positionals;
  if (values.help || (!values.stdin && (sub !== 'file' || paths.length === 0))) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  if (!['auto', 'edx', 'xapi', 'archive'].includes(values.format))
    throw new Error('--format must be auto, edx, xapi or archive');
  for (const path of paths) statSync(path); // a missing file fails now, with its name, before anything is sent

  const { env } = await localServiceEnv();
  const kafka = createKafka({
    brokers: parseBrokers(String(env.KAFKA_BROKERS)),
    clientId: 'lrstream-ingest-cli',
  });
  await assertPipelineTopics(kafka);
  const producer = await createRecordProducer(
    kafka,
    createSchemaCodec({ url: String(env.SCHEMA_REGISTRY_URL) }),
    ['raw', 'deadLetterIdentified'],
  );
  const began = Date.now();
  let lastDraw = 0;
  try {
    const counts = await ingestFiles(values.stdin ? 'stdin' : paths, {
      producer,
      format: values.format as FileFormat,
      // A line too large for a Kafka record still ends somewhere: the dead-letter topic, with its
      // file and line, and its first 64 KiB to recognise it (the file keeps the rest).
      onOversized: async ({ file, lineNumber, bytes }) => {
        const letter = buildDeadLetter(
          {
            eventId: randomUUID(),
            stage: 'ingest',
            code: 'INGEST_EVENT_TOO_LARGE',
            message: `Line ${lineNumber} of ${file} has ${bytes.length} bytes, over the event size limit; payload truncated to 64 KiB.`,
            payload: bytes,
          },
          PAYLOAD_EXCERPT_BYTES,
        );
        await producer.send('deadLetterIdentified', [{ key: letter.event_id ?? '', value: letter }]);
      },
      onProgress: (p) => {
        const now = Date.now();
        if (now - lastDraw < 200 || !process.stderr.isTTY) return;
        lastDraw = now;
        const rate = p.lines / Math.max(0.001, (now - began) / 1000);
        process.stderr.write(
          `\r${p.file}: ${p.lines} lines, ${p.accepted} sent (${rate.toFixed(0)} lines/s)   `,
        );
      },
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    const seconds = (Date.now() - began) / 1000;
    process.stdout.write(
      `${counts.lines} lines read, ${counts.accepted} events sent to the raw topic, ${counts.blank} blank, ` +
        `${counts.oversized} too large for a Kafka record (sent to the dead-letter topic)` +
        (counts.archived + counts.skipped > 0
          ? `, ${counts.archived} archived records re-sent with their event ids, ${counts.skipped} archive lines skipped (another topic, or undecodable)`
          : '') +
        `, in ${seconds.toFixed(1)} s\n`,
    );
    return counts.oversized > 0 ? 1 : 0;
  } finally {
    await producer.disconnect();
  }
}
