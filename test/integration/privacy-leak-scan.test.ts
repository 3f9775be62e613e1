// Privacy leak scan: the failure shapes of the privacy leak issue (test/fixtures/privacy-leaks/),
// run through the real pipeline (every stage a child process, so its log output is scanned) under
// both presets. Phase 1 runs ingest -> validate -> convert -> anonymize (pseudonymize) -> index;
// phase 2 replays the run's slice of xapi.identified.v1 through anonymize (anonymize preset) into a
// second index. Downstream of anonymize (Elasticsearch, xapi.anonymized.v1 and dlq.anonymized.v1:
// values, keys, headers; the services' logs; the open-data export) and dlq.identified.v1's
// error_pointer/error_message are scanned for every seeded value and its transforms. Then the
// roster attack, open data's count of people (item 11) and cross-source linking (item 12).
// Expected to fail until the issue is fixed; the report lists every hit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { main as cli } from '@lrstream/cli';
import { anonymizedStatementId, parseEdxLine, validateXapiStatement } from '@lrstream/domain';
import { hashSecret } from '@lrstream/ingest';
import { createKafka, createSchemaCodec, parseBrokers, type Kafka } from '@lrstream/kafka';
import { TOPICS } from '@lrstream/schemas';
import {
  edxOracleStatements,
  postEdxLines,
  postStatements,
  requiredEnv as required,
  startGroupAt,
  waitFor,
} from '@lrstream/test';
import { loadCorpus } from './leak-scan/corpus.js';
import { endOffsets, headerText, readRange, type Offsets, type RangeMessage } from './leak-scan/kafka.js';
import { rosterAttack, type DownstreamRecord, type Recovered } from './leak-scan/roster.js';
import { Scanner, describeHits, type Hit } from './leak-scan/scan.js';
import { startChildStage, type ChildStage, type LogLine } from './leak-scan/stages.js';

type Json = Record<string, unknown>;
type Preset = 'pseudonymize' | 'anonymize';
const PRESETS: readonly Preset[] = ['pseudonymize', 'anonymize'];
const HOUR = 3_600_000;
const UPSTREAM = ['ingest', 'validate', 'convert'];

interface PresetRun {
  prefix: string;
  from: Record<string, Offsets>;
  to: Record<string, Offsets>;
  docs: { index: string; id: string; source: Json }[];
  anonymized: { message: RangeMessage; record: Json }[];
  deadLetters: { message: RangeMessage; record: Json }[];
  exportDirs: Record<string, string>;
  hits: Hit[];
  recovered: Recovered[];
}

/** A decoded Avro record as plain JSON: bigints as strings, bytes as their UTF-8 text. */
const bigintSafe = (v: unknown) =>
  JSON.parse(
    JSON.stringify(v, (_k, x: unknown) => {
      if (typeof x === 'bigint') return String(x);
      const b = x as { type?: unknown; data?: unknown };
      if (b && b.type === 'Buffer' && Array.isArray(b.data))
        return Buffer.from(b.data as number[]).toString('utf8');
      return x;
    }),
  ) as Json;

describe(
  'privacy leak scan: the issue corpus through the real pipeline, both presets',
  { timeout: 420_000 },
  () => {
    const run = randomUUID().replace(/-/g, '').slice(0, 8);
    const corpus = loadCorpus(run);
    const LMS = corpus.platforms.lms;
    const dir = mkdtempSync(join(tmpdir(), `lrstream-leakscan-${run}-`));
    const user = `leakscan-${run}`;
    const password = randomBytes(12).toString('base64url');
    const logs: LogLine[] = [];
    const stages = new Map<string, ChildStage>();
    const runs = Object.fromEntries(
      PRESETS.map((p) => [
        p,
        {
          prefix: `lrstream-leakscan-${run}-${p.slice(0, 4)}`,
          from: {},
          to: {},
          docs: [],
          anonymized: [],
          deadLetters: [],
          exportDirs: {},
          hits: [],
          recovered: [],
        },
      ]),
    ) as unknown as Record<Preset, PresetRun>;
    let kafka: Kafka;
    let es: Client;
    let ingestUrl = '';
    const runStart: Record<string, Offsets> = {};
    const upstream = {
      raw: [] as { message: RangeMessage; record: Json }[],
      identified: [] as Json[],
      dlqIdentified: [] as Json[],
    };

    // The statements the pipeline must produce: converted edX (the domain converter is the oracle)
    // and the valid xAPI statements.
    const edxIds = new Map<string, string>();
    const unconverted: string[] = [];
    for (const line of corpus.edxLines) {
      const parsed = parseEdxLine(line.text);
      try {
        assert.ok(parsed.ok);
        for (const s of edxOracleStatements(parsed.event.original, LMS)) edxIds.set(String(s.id), line.label);
      } catch (err) {
        unconverted.push(`${line.label}: ${String(err)}`);
      }
    }
    const xapiIds = new Map(corpus.statements.map((s) => [String(s.statement.id), s.label]));
    const expectedIds = [...edxIds.keys(), ...xapiIds.keys()];

    // Item 12, an edX event without context.user_id: convert uses the user id it learnt from the
    // same username's earlier events, which depends on the order partitions are read in; the
    // deterministic way is the operator's account links (ANONYMIZE_ACCOUNT_LINKS_FILE). The run
    // gives that link, as an operator who has the LMS's username -> id table would.
    const ITEM12 = 'edX event without context.user_id (the username is the actor)';
    const item12Line = corpus.edxLines.find((l) => l.label === ITEM12);
    const item12Parsed = item12Line ? parseEdxLine(item12Line.text) : undefined;
    const item12 = item12Parsed?.ok ? (item12Parsed.event.original as Json) : undefined;
    const item12Username = typeof item12?.username === 'string' ? item12.username : '';
    const item12UserId = corpus.edxLines
      .map((l) => parseEdxLine(l.text))
      .map((p) => (p.ok ? (p.event.original as { username?: unknown; context?: { user_id?: unknown } }) : {}))
      .find((e) => e.username === item12Username && e.context?.user_id != null)?.context?.user_id;

    const baseEnv = (): NodeJS.ProcessEnv => {
      const keyFile = join(dir, 'key');
      writeFileSync(keyFile, randomBytes(32).toString('hex'));
      const linksFile = join(dir, 'account-links.json');
      writeFileSync(linksFile, JSON.stringify({ [LMS]: { [item12Username]: String(item12UserId) } }));
      writeFileSync(join(dir, 'credentials.json'), '[]');
      return {
        ...process.env,
        KAFKA_BROKERS: required('KAFKA_BROKERS'),
        SCHEMA_REGISTRY_URL: required('SCHEMA_REGISTRY_URL'),
        ELASTICSEARCH_URL: required('ELASTICSEARCH_URL'),
        INGEST_AUTH_FILE: join(dir, 'credentials.json'),
        INGEST_PORT: '0',
        PLATFORM_URL: LMS,
        METRICS_PORT: '0',
        LOG_LEVEL: 'debug',
        START_FROM: 'latest',
        ANONYMIZE_POLICY_FILE: '',
        ANONYMIZE_KEYRING_FILE: '',
        ANONYMIZE_KEY_FILE: keyFile,
        ANONYMIZE_ACCOUNT_LINKS_FILE: linksFile,
      };
    };
    let env: NodeJS.ProcessEnv = {};
    // Concurrent runs' anonymize stages also treat this run's statements (shared topics): only the
    // records this run's anonymize wrote (its own key id) are scanned.
    const keyId = (preset: Preset) => `leakscan-${run}-${preset.slice(0, 4)}`;
    const ours = (preset: Preset, record: Json) =>
      record.key_id === keyId(preset) ||
      (record.key_id == null && String(record.policy).startsWith(preset) && preset === 'anonymize');
    const start = async (service: Parameters<typeof startChildStage>[0], preset: Preset) => {
      const label = UPSTREAM.includes(service) ? service : `${service}-${preset}`;
      const stage = await startChildStage(
        service,
        {
          ...env,
          GROUP_ID: `leakscan-${run}-${label}`,
          ANONYMIZE_POLICY: preset,
          ANONYMIZE_KEY_ID: keyId(preset),
          INDEX_PREFIX: runs[preset].prefix,
        },
        logs,
        label,
      );
      stages.set(label, stage);
      return stage;
    };
    const stop = async (label: string) => {
      await stages.get(label)?.stop();
      stages.delete(label);
    };
    const topics = [
      TOPICS.raw,
      TOPICS.xapiIdentified,
      TOPICS.xapiAnonymized,
      TOPICS.deadLetterIdentified,
      TOPICS.deadLetterAnonymized,
    ];
    const ends = async () =>
      Object.fromEntries(
        await Promise.all(topics.map(async (t) => [t, await endOffsets(kafka, t)] as const)),
      );

    /** Waits until every expected statement is indexed, or the count stops moving (dead letters). */
    async function settle(preset: Preset): Promise<void> {
      const r = runs[preset];
      let last = -1;
      let since = Date.now();
      // Documents are indexed under the keyed id of each statement (anonymized zone): the run
      // holds the key, so it computes them; nobody without the key can (the roster attack below).
      const secret = Buffer.from(readFileSync(String(env.ANONYMIZE_KEY_FILE), 'utf8').trim());
      const originalOf = new Map(
        expectedIds.map((id) => [anonymizedStatementId(id, { id: 'run', secret }, preset), id] as const),
      );
      const found = async () => {
        await es.indices.refresh({ index: `${r.prefix}*`, ignore_unavailable: true }).catch(() => undefined);
        const ids = await es
          .search({
            index: `${r.prefix}*`,
            size: 1000,
            _source: false,
            query: { ids: { values: [...originalOf.keys()] } },
          })
          .catch(() => undefined);
        return new Set((ids?.hits.hits ?? []).map((h) => originalOf.get(String(h._id)) ?? String(h._id)));
      };
      await waitFor(
        `${preset}: every statement indexed, or no new one for 15 s`,
        async () => {
          const n = (await found()).size;
          if (n !== last) [last, since] = [n, Date.now()];
          return n === expectedIds.length || (n > 0 && Date.now() - since > 15_000) ? true : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 1000 },
      );
      const indexed = await found();
      const missing = expectedIds
        .filter((id) => !indexed.has(id))
        .map((id) => xapiIds.get(id) ?? edxIds.get(id));
      console.log(
        `${preset}: ${indexed.size} of ${expectedIds.length} statements indexed; not indexed: ${JSON.stringify(missing)}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 2000)); // the dead letters of invalid input
      r.to = await ends();
    }

    async function collect(preset: Preset): Promise<void> {
      const r = runs[preset];
      const codec = createSchemaCodec({ url: required('SCHEMA_REGISTRY_URL') });
      await es.indices.refresh({ index: `${r.prefix}*`, ignore_unavailable: true }).catch(() => undefined);
      let after: unknown[] | undefined;
      for (;;) {
        const page = await es.search<Json>({
          index: `${r.prefix}*`,
          size: 1000,
          sort: [{ _doc: { order: 'asc' } }],
          ...(after ? { search_after: after as never } : {}),
        });
        for (const h of page.hits.hits)
          r.docs.push({ index: h._index, id: String(h._id), source: h._source ?? {} });
        const last = page.hits.hits.at(-1);
        if (!last || page.hits.hits.length < 1000) break;
        after = last.sort;
      }
      const read = async (topic: string) => {
        const messages = await readRange(
          kafka,
          topic,
          r.from[topic] ?? new Map(),
          r.to[topic] ?? new Map(),
          `leakscan-${run}-read-${preset}-${topic}`,
        );
        return Promise.all(
          messages.map(async (message) => ({
            message,
            record: message.value ? bigintSafe(await codec.decode<Json>(message.value)) : {},
          })),
        );
      };
      const docs = r.docs.length;
      r.docs = r.docs.filter((d) => ours(preset, (d.source.lrstream ?? {}) as Json));
      const anonymized = await read(TOPICS.xapiAnonymized);
      r.anonymized = anonymized.filter((a) => ours(preset, a.record));
      const positions = new Set(r.anonymized.map((a) => `${a.message.partition}:${a.message.offset}`));
      const deadLetters = await read(TOPICS.deadLetterAnonymized);
      r.deadLetters = deadLetters.filter(
        (d) =>
          d.record.source_topic === TOPICS.xapiAnonymized &&
          positions.has(`${String(d.record.source_partition)}:${String(d.record.source_offset)}`),
      );
      console.log(
        `${preset}: kept ${r.docs.length} of ${docs} documents, ${r.anonymized.length} of ${anonymized.length} ` +
          `${TOPICS.xapiAnonymized} and ${r.deadLetters.length} of ${deadLetters.length} ${TOPICS.deadLetterAnonymized} records ` +
          `(the others were written by concurrent runs' stages)`,
      );
      // The export reads this run's documents only: a copy of them in an index of their own (the
      // run's index also holds copies of its statements treated by concurrent runs' stages).
      const exportPrefix = `${r.prefix}-export`;
      const template = JSON.parse(
        readFileSync(new URL('../../services/index/templates/xapi.json', import.meta.url), 'utf8'),
      ) as { template: { settings: unknown; mappings: unknown } };
      await es.indices.putIndexTemplate({
        name: exportPrefix,
        index_patterns: [`${exportPrefix}-*`],
        priority: 600,
        template: template.template as never,
      });
      const operations = r.docs.flatMap((d) => [
        { index: { _index: `${exportPrefix}-${d.index.slice(-7)}`, _id: d.id } },
        d.source,
      ]);
      if (operations.length > 0) await es.bulk({ operations: operations as never, refresh: true });
      for (const k of ['2', '10']) {
        const out = join(dir, `opendata-${preset}-k${k}`);
        const code = await cli([
          'export',
          'opendata',
          '--out',
          out,
          '--k',
          k,
          '--index',
          `${exportPrefix}-*`,
          '--es',
          required('ELASTICSEARCH_URL'),
        ]);
        assert.equal(code, 0, `export opendata (${preset}, k=${k})`);
        r.exportDirs[k] = out;
      }
    }

    function scanPreset(preset: Preset): void {
      const r = runs[preset];
      const scanner = new Scanner(corpus.seeds);
      for (const d of r.docs) {
        scanner.scanText(d.id, `es:${d.index}`, `_id`);
        scanner.scanValue(d.source, `es:${d.index}/${d.id}`);
      }
      for (const [topic, list] of [
        [TOPICS.xapiAnonymized, r.anonymized],
        [TOPICS.deadLetterAnonymized, r.deadLetters],
      ] as const)
        for (const { message: m, record } of list) {
          const where = `${topic}@${m.partition}:${m.offset}`;
          if (m.key) scanner.scanText(m.key.toString('utf8'), where, 'key');
          for (const [k, v] of Object.entries(m.headers))
            scanner.scanText(`${k}=${headerText(v)}`, where, `header ${k}`);
          scanner.scanValue(record, where);
        }
      for (const d of upstream.dlqIdentified) {
        const where = `${TOPICS.deadLetterIdentified} (${String(d.stage)} ${String(d.error_code)})`;
        scanner.scanValue(d.error_pointer ?? '', where, 'error_pointer');
        scanner.scanValue(d.error_message ?? '', where, 'error_message');
      }
      for (const l of logs)
        if (UPSTREAM.includes(l.service) || l.service.endsWith(preset))
          scanner.scanText(l.text, `log:${l.service}`, '');
      for (const [k, out] of Object.entries(r.exportDirs))
        for (const file of readdirSync(out))
          readFileSync(join(out, file), 'utf8')
            .split('\n')
            .forEach((line, i) => scanner.scanText(line, `export(k=${k}):${file}`, `line ${i + 1}`));
      r.hits = scanner.hits;
    }

    before(async () => {
      writeFileSync(
        join(dir, 'credentials.json'),
        JSON.stringify([
          { username: user, hash: await hashSecret(password), scopes: ['statements/write', 'edx/write'] },
        ]),
      );
      env = baseEnv();
      writeFileSync(
        join(dir, 'credentials.json'),
        JSON.stringify([
          { username: user, hash: await hashSecret(password), scopes: ['statements/write', 'edx/write'] },
        ]),
      );
      kafka = createKafka({ brokers: parseBrokers(required('KAFKA_BROKERS')), clientId: `leakscan-${run}` });
      es = new Client({ node: required('ELASTICSEARCH_URL') });
      Object.assign(runStart, await ends());
      runs.pseudonymize.from = { ...runStart };
      for (const s of ['index', 'anonymize', 'convert', 'validate', 'ingest'] as const) {
        const stage = await start(s, 'pseudonymize');
        if (s === 'ingest') ingestUrl = stage.url ?? '';
      }
    });

    after(async () => {
      for (const label of [...stages.keys()].reverse()) await stop(label);
      for (const r of Object.values(runs)) {
        await es?.indices.delete({ index: `${r.prefix}*`, ignore_unavailable: true }).catch(() => undefined);
        await es?.indices.deleteIndexTemplate({ name: r.prefix }).catch(() => undefined);
        await es?.indices.deleteIndexTemplate({ name: `${r.prefix}-export` }).catch(() => undefined);
      }
      await es?.close();
    });

    test('the corpus: every edX line converts, every statement is valid xAPI, every invalid one is not', () => {
      assert.deepEqual(unconverted, []);
      for (const s of corpus.statements) assert.deepEqual(validateXapiStatement(s.statement), [], s.label);
      for (const s of corpus.invalidStatements)
        assert.notDeepEqual(validateXapiStatement(s.statement), [], s.label);
      console.log(
        `leak scan corpus: ${corpus.seeds.length} seeded values, ${corpus.edxLines.length + corpus.edxInvalid.length} edX lines, ${corpus.statements.length + corpus.invalidStatements.length} xAPI statements, ${expectedIds.length} statements expected downstream`,
      );
    });

    test('pseudonymize: the corpus goes through ingest -> validate -> convert -> anonymize -> index', async () => {
      const target = {
        ingestUrl,
        auth: () => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
      };
      await postEdxLines(target, [
        ...corpus.edxLines.map((l) => l.text),
        ...corpus.edxInvalid.map((l) => l.text),
      ]);
      await postStatements(
        target,
        corpus.statements.map((s) => s.statement),
      );
      for (const s of corpus.invalidStatements)
        await postStatements(target, [s.statement]).catch(() => undefined);
      await settle('pseudonymize');
      const codec = createSchemaCodec({ url: required('SCHEMA_REGISTRY_URL') });
      const raw = await readRange(
        kafka,
        TOPICS.raw,
        runStart[TOPICS.raw] ?? new Map(),
        runs.pseudonymize.to[TOPICS.raw] ?? new Map(),
        `leakscan-${run}-raw`,
      );
      for (const message of raw) {
        const record = bigintSafe(await codec.decode<Json>(message.value as Buffer));
        if (record.producer === user) upstream.raw.push({ message, record });
      }
      const eventIds = new Set(upstream.raw.map((r) => String(r.record.event_id)));
      const identified = await readRange(
        kafka,
        TOPICS.xapiIdentified,
        runStart[TOPICS.xapiIdentified] ?? new Map(),
        runs.pseudonymize.to[TOPICS.xapiIdentified] ?? new Map(),
        `leakscan-${run}-identified`,
      );
      for (const m of identified) {
        const record = bigintSafe(await codec.decode<Json>(m.value as Buffer));
        if (eventIds.has(String(record.event_id))) upstream.identified.push(record);
      }
      const dlq = await readRange(
        kafka,
        TOPICS.deadLetterIdentified,
        runStart[TOPICS.deadLetterIdentified] ?? new Map(),
        runs.pseudonymize.to[TOPICS.deadLetterIdentified] ?? new Map(),
        `leakscan-${run}-dlqi`,
      );
      for (const m of dlq) {
        const record = bigintSafe(await codec.decode<Json>(m.value as Buffer));
        if (eventIds.has(String(record.event_id))) upstream.dlqIdentified.push(record);
      }
      await collect('pseudonymize');
      const indexed = new Set(runs.pseudonymize.docs.map((d) => d.id));
      console.log(
        `pseudonymize: ${upstream.raw.length} raw records, ${upstream.identified.length} identified statements, ${indexed.size} documents, ${runs.pseudonymize.anonymized.length} anonymized / ${runs.pseudonymize.deadLetters.length} dlq.anonymized / ${upstream.dlqIdentified.length} dlq.identified records`,
      );
      assert.equal(
        upstream.raw.length,
        corpus.edxLines.length +
          corpus.edxInvalid.length +
          corpus.statements.length +
          corpus.invalidStatements.length,
        'every input reached events.raw.v1',
      );
    });

    test('anonymize: the run replayed from xapi.identified.v1 through anonymize (anonymize preset) -> index', async () => {
      await stop('anonymize-pseudonymize');
      await stop('index-pseudonymize');
      runs.anonymize.from = await ends();
      await start('index', 'anonymize');
      await startGroupAt(
        required('KAFKA_BROKERS'),
        `leakscan-${run}-anonymize-anonymize`,
        TOPICS.xapiIdentified,
        new Map([...(runStart[TOPICS.xapiIdentified] ?? new Map())].map(([p, o]) => [p, String(o)])),
      );
      await start('anonymize', 'anonymize');
      await settle('anonymize');
      await collect('anonymize');
      console.log(
        `anonymize: ${runs.anonymize.docs.length} documents, ${runs.anonymize.anonymized.length} anonymized / ${runs.anonymize.deadLetters.length} dlq.anonymized records`,
      );
      assert.ok(runs.anonymize.docs.length > 0);
    });

    test('control: every seeded value is found on events.raw.v1 (the scan works)', () => {
      const scanner = new Scanner(corpus.seeds);
      for (const { record } of upstream.raw) scanner.scanValue(record, TOPICS.raw);
      const found = new Set(scanner.hits.map((h) => h.seed));
      assert.deepEqual(
        corpus.seeds.filter((s) => !found.has(s.id)).map((s) => s.id),
        [],
      );
    });

    for (const preset of PRESETS)
      test(`${preset}: scan (Elasticsearch, xapi.anonymized.v1, dlq.anonymized.v1, dlq.identified.v1 pointers/messages, logs, open data)`, () => {
        scanPreset(preset);
        report(preset);
      });

    function report(preset: Preset): void {
      const hits = runs[preset].hits;
      const seeds = new Set(hits.map((h) => h.seed));
      const byWhere = new Map<string, number>();
      for (const h of hits) {
        const where = h.where
          .replace(/@\d+:\d+$/, '')
          .replace(/^(es:[^/]+)\/.*/, '$1')
          .replace(/ \(.*\)$/, '');
        byWhere.set(where, (byWhere.get(where) ?? 0) + 1);
      }
      console.log(
        `\n=== ${preset}: ${seeds.size} of ${corpus.seeds.length} seeded values found downstream, ${hits.length} hits`,
      );
      console.log(`by location: ${JSON.stringify(Object.fromEntries(byWhere))}`);
      const lines = new Map<string, number>();
      for (const l of logs) lines.set(l.service, (lines.get(l.service) ?? 0) + 1);
      console.log(`log lines scanned: ${JSON.stringify(Object.fromEntries(lines))}`);
      for (const line of describeHits(hits)) console.log(`  ${line}`);
    }

    test('roster attack: downstream ids neither equal nor computable from upstream identifiers', () => {
      const statementIds = new Map(
        upstream.identified.map((r) => [
          String(r.statement_id),
          `identified statement (${xapiIds.get(String(r.statement_id)) ?? edxIds.get(String(r.statement_id)) ?? '?'})`,
        ]),
      );
      const eventIds = new Map(
        upstream.raw.map((r) => [String(r.record.event_id), `raw event ${String(r.record.format)}`]),
      );
      const positions = new Map(
        upstream.raw.map((r) => [
          `${TOPICS.raw}/${r.message.partition}/${r.message.offset}`,
          `raw event ${String(r.record.event_id)}`,
        ]),
      );
      const vocabulary = new Map<string, [string, string]>();
      for (const r of upstream.identified) {
        const verb = (
          JSON.parse(String(r.statement_json)) as { verb?: { id: string; display?: { en?: string } } }
        ).verb;
        if (verb?.display?.en) vocabulary.set(`${verb.id} ${verb.display.en}`, [verb.id, verb.display.en]);
      }
      const roster = {
        userIds: corpus.roster.userIds,
        names: corpus.roster.names,
        homePages: [LMS, `${LMS}/`, corpus.platforms.marsha, corpus.platforms.ashley],
      };
      const up = { statementIds, eventIds, positions, vocabulary: [...vocabulary.values()] };
      // Control: the attack recomputes the converted edX ids on the identified side itself.
      const control = rosterAttack(
        roster,
        { ...up, statementIds: new Map(), eventIds: new Map(), positions: new Map() },
        upstream.identified
          .filter((r) => edxIds.has(String(r.statement_id)))
          .map((r) => {
            const s = JSON.parse(String(r.statement_json)) as Json;
            return {
              where: 'identified',
              statementId: String(r.statement_id),
              verb: s.verb as DownstreamRecord['verb'],
              timestamp: String(s.timestamp),
            };
          }),
      );
      console.log(
        `roster attack control: ${new Set(control.map((c) => c.value)).size} of ${edxIds.size} converted edX ids recomputed from the roster on the identified side`,
      );
      const idsSeen = new Map<string, Set<Preset>>();
      // The records of this run (shared topics also carry concurrent runs' records).
      // The attacker targets the corpus's hour (shared topics also carry concurrent runs' records).
      const mine = (x: DownstreamRecord) => {
        const ms = Date.parse(x.timestamp ?? '');
        return ms >= corpus.t0 && ms < corpus.t0 + HOUR;
      };
      for (const preset of PRESETS) {
        const r = runs[preset];
        const records: DownstreamRecord[] = [];
        for (const { message, record } of r.anonymized) {
          const s = JSON.parse(String(record.statement_json ?? '{}')) as Json;
          records.push({
            where: `${preset} ${TOPICS.xapiAnonymized}`,
            statementId: String(record.statement_id),
            eventId: String(record.event_id),
            origin: record.origin as DownstreamRecord['origin'],
            key: message.key?.toString('utf8'),
            verb: s.verb as DownstreamRecord['verb'],
            timestamp: typeof s.timestamp === 'string' ? s.timestamp : undefined,
          });
        }
        for (const d of r.docs) {
          const l = (d.source.lrstream ?? {}) as Json;
          records.push({
            where: `${preset} es`,
            statementId: d.id,
            eventId: l.event_id as string | undefined,
            origin: l.origin as DownstreamRecord['origin'],
            verb: d.source.verb as DownstreamRecord['verb'],
            timestamp: d.source.timestamp as string | undefined,
          });
          if (statementIds.has(d.id)) idsSeen.set(d.id, new Set([...(idsSeen.get(d.id) ?? []), preset]));
        }
        for (const { message, record } of r.deadLetters)
          records.push({
            where: `${preset} ${TOPICS.deadLetterAnonymized}`,
            eventId: record.event_id as string | undefined,
            key: message.key?.toString('utf8'),
            origin: record.source_topic
              ? {
                  topic: String(record.source_topic),
                  partition: Number(record.source_partition),
                  offset: String(record.source_offset),
                }
              : undefined,
          });
        r.recovered = rosterAttack(roster, up, records, mine);
        const byMethod = new Map<string, number>();
        for (const x of r.recovered)
          byMethod.set(`${x.where}: ${x.method}`, (byMethod.get(`${x.where}: ${x.method}`) ?? 0) + 1);
        console.log(
          `\n=== roster attack, ${preset}: ${new Set(r.recovered.map((x) => x.value)).size} downstream ids recovered`,
        );
        for (const [m, n] of byMethod) console.log(`  ${n} x ${m}`);
        for (const x of r.recovered.filter((x) => x.method.startsWith('ERB')).slice(0, 5))
          console.log(`  e.g. ${x.where} ${x.value} <- ${x.who}`);
      }
      const shared = [...idsSeen.values()].filter((s) => s.size === 2).length;
      console.log(`  statement ids shared by the pseudonymized and anonymized copies: ${shared}`);
      assert.ok(control.length > 0, 'control: the attack recomputes ERB ids from the roster');
      assert.deepEqual(
        PRESETS.map((p) => runs[p].recovered.length),
        [0, 0],
        'zero recovered ids under both presets',
      );
    });

    test('item 11: open data counts people, or says clearly that it counts accounts', () => {
      const people = corpus.people.length;
      const out = runs.pseudonymize.exportDirs['10'] as string;
      const weeks = readFileSync(join(out, 'course_weeks.csv'), 'utf8').trim().split('\n');
      const header = (weeks[0] ?? '').split(',');
      const rows = weeks.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i], v])));
      const overCounted = rows.filter(
        (w) => w.course_id === corpus.course && Number(w.active_learners) > people,
      );
      const readme =
        readFileSync(join(out, 'README.md'), 'utf8') + readFileSync(join(out, 'datapackage.json'), 'utf8');
      const documented =
        /(one|a|the same) (person|learner)[^.]{0,80}(several|multiple|more than one|two)[^.]{0,40}(accounts|pseudonyms|identities)[^.]{0,80}(counted|counts)/i.test(
          readme,
        ) || /counts? (distinct )?(accounts|pseudonyms)[^.]{0,40}not (people|persons|learners)/i.test(readme);
      console.log(
        `item 11: ${people} people (each an edX and a Marsha LTI account) published as ${JSON.stringify(overCounted.map((w) => [w.week, w.active_learners]))} active learners with k=10; documented: ${documented}`,
      );
      assert.ok(
        overCounted.length === 0 || documented,
        `course_weeks.csv counts ${people} people as ${overCounted.map((w) => w.active_learners).join('/')} learners (k=10) and the export does not say it counts accounts`,
      );
    });

    test('item 12: one LMS user keeps one pseudonym (with or without context.user_id, homePage with a trailing slash)', () => {
      // Documents are indexed under keyed ids; the run holds the key.
      const secret = Buffer.from(readFileSync(String(env.ANONYMIZE_KEY_FILE), 'utf8').trim());
      const keyed = (id: string) => anonymizedStatementId(id, { id: 'run', secret }, 'pseudonymize');
      const pseudonymOf = (id: string) =>
        ((runs.pseudonymize.docs.find((d) => d.id === keyed(id))?.source.lrstream ?? {}) as Json)
          .actor_pseudonym;
      const ofLabel = (label: string) => [...edxIds].filter(([, l]) => l === label).map(([id]) => id);
      const withUserId = ofLabel('preferences API path')[0] ?? '';
      // Its statement id depends on the actor convert chose: the user id it learnt from the same
      // username's other events, or the username. Either id is looked up; the assertion below is
      // on the pseudonym (the account link makes it one person either way).
      const label = ITEM12;
      const linkedIds = item12
        ? edxOracleStatements(
            { ...item12, context: { ...(item12.context as Json), user_id: item12UserId } },
            LMS,
          ).map((st) => String(st.id))
        : [];
      const withoutUserId =
        [...ofLabel(label), ...linkedIds].find((id) => pseudonymOf(id) !== undefined) ?? '';
      const slash =
        [...xapiIds].find(([, l]) => l.startsWith('account homePage with a trailing slash'))?.[0] ?? '';
      const pseudonyms = [withUserId, withoutUserId, slash].map(pseudonymOf);
      console.log(
        `item 12: pseudonyms (user id, username only, homePage + '/') = ${JSON.stringify(pseudonyms)}`,
      );
      assert.ok(pseudonyms[0], 'the edX statement is indexed with a pseudonym');
      assert.deepEqual(pseudonyms, [pseudonyms[0], pseudonyms[0], pseudonyms[0]]);
    });

    test('quasi-identifiers: no +05:45 offset downstream; exact times nowhere under the anonymize preset', () => {
      const offsets = PRESETS.flatMap((p) =>
        runs[p].docs
          .filter((d) => /\+05:45$/.test(String(d.source.timestamp)))
          .map((d) => `${p} es ${d.id} timestamp ${String(d.source.timestamp)}`),
      );
      const exact = runs.anonymize.deadLetters
        .filter(
          ({ record, message }) =>
            Number(record.failed_at) % HOUR !== 0 || Number(message.timestamp) % HOUR !== 0,
        )
        .map(
          ({ record, message }) =>
            `${TOPICS.deadLetterAnonymized} failed_at ${String(record.failed_at)} record time ${message.timestamp}`,
        );
      for (const f of [...offsets, ...exact]) console.log(`  quasi-identifier: ${f}`);
      assert.deepEqual([...offsets, ...exact], []);
    });

    for (const preset of PRESETS)
      test(`${preset}: zero seeded values downstream`, () => {
        const found = [...new Set(runs[preset].hits.map((h) => h.seed))];
        assert.deepEqual(found, [], `${found.length} seeded values found downstream under ${preset}`);
      });
  },
);
