// The Grafana dashboards and Prometheus alerts in deploy/ are only useful if they query what the
// services actually export: a renamed metric would leave a panel silently empty. These tests read
// the metric names from the code (the same factories the services call) and the Elasticsearch
// fields from the index template, and check every query against them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createStageMetrics } from '@lrstream/kafka';
import { createMetricsRegistry } from '@lrstream/runtime';
import { createIngestMetrics } from '@lrstream/ingest';
import { createIndexMetrics } from '@lrstream/index';

const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

interface Target {
  refId?: string;
  datasource?: { uid?: string };
  expr?: string;
  query?: string;
  metrics?: { type: string; field?: string; settings?: Record<string, unknown> }[];
  bucketAggs?: { type: string; field?: string }[];
  timeField?: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid?: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; datasource?: { uid?: string }; query?: unknown }[] };
}
interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const ops = JSON.parse(read('deploy/grafana/dashboards/lrstream-ops.json')) as Dashboard;
const learning = JSON.parse(read('deploy/grafana/dashboards/lrstream-learning.json')) as Dashboard;
const alerts = parse(read('deploy/prometheus/alerts.yml')) as {
  groups: { name: string; rules: AlertRule[] }[];
};
const provisioned = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
  datasources: { uid: string; type: string; jsonData?: { index?: string; timeField?: string } }[];
};

/** Every panel, rows' nested panels included. */
function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}
const targetsOf = (d: Dashboard) =>
  allPanels(d).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p, t })));

// ------------------------------------------------------------------ metric names from the code

/** Stage names as the services pass them (`stage: 'x'` to the shared wiring, or createStageMetrics('x')). */
function stageNames(): string[] {
  const names = new Set<string>();
  for (const service of readdirSync(new URL('services/', root))) {
    const dir = new URL(`services/${service}/src/`, root);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const src = readFileSync(new URL(file, dir), 'utf8');
      for (const m of src.matchAll(/\bstage: '([a-z_]+)'|createStageMetrics\('([a-z_]+)'/g))
        names.add((m[1] ?? m[2]) as string);
    }
  }
  return [...names].sort();
}

/** Names of metrics registered without an exported factory (anonymize's privacy counters). */
function namesInSource(path: string): string[] {
  return [...read(path).matchAll(/\bname: '(lrstream_[a-z0-9_]+)'/g)].map((m) => m[1] as string);
}

async function definedMetricNames(): Promise<{ names: Set<string>; stages: string[] }> {
  const registry = createMetricsRegistry({ service: 'test' });
  const stages = stageNames();
  for (const stage of stages) createStageMetrics(stage, registry);
  createIngestMetrics(registry);
  createIndexMetrics(registry);
  const names = new Set<string>(['up']); // set by Prometheus on every scrape target
  for (const m of await registry.getMetricsAsJSON()) {
    names.add(m.name);
    const type = String(m.type);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(m.name + s);
  }
  for (const file of [
    'services/anonymize/src/metrics.ts',
    'services/archive/src/metrics.ts',
    'shared/replay/src/metrics.ts',
  ])
    for (const name of namesInSource(file)) names.add(name);
  return { names, stages };
}

const PROMQL_WORDS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'rate', 'irate', 'increase', 'delta', 'by', 'without', 'on',
  'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'histogram_quantile', 'vector',
  'absent', 'label_values', 'offset', 'bool', 'topk', 'bottomk', 'clamp_min', 'clamp_max', 'time',
  'le', 'inf', 'nan',
]); // prettier-ignore

/**
 * Metric names a PromQL expression selects: identifiers outside strings, label matchers, ranges
 * and `by (...)` lists that are not PromQL keywords or functions.
 */
function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.$])([a-zA-Z_:][\w:]*)(?![\w(])/g)) {
    const word = m[1] as string;
    if (!PROMQL_WORDS.has(word.toLowerCase()) && !/^\d/.test(word)) names.add(word);
  }
  return [...names];
}

function unknownMetrics(exprs: string[], defined: Set<string>): string[] {
  return [...new Set(exprs.flatMap(metricNamesIn))].filter((n) => !defined.has(n)).sort();
}

const opsExprs = () => [
  ...targetsOf(ops).map(({ t }) => t.expr ?? ''),
  ...ops.templating.list.map((v) =>
    // label_values(<selector>, <label>): only the selector names a metric.
    (typeof v.query === 'object' && v.query
      ? String((v.query as { query: string }).query)
      : String(v.query)
    ).replace(/label_values\((.*),\s*\w+\)/, '$1'),
  ),
];
const alertRules = () => alerts.groups.flatMap((g) => g.rules);

// ------------------------------------------------------------------ structure

for (const [file, dashboard] of [
  ['lrstream-ops.json', ops],
  ['lrstream-learning.json', learning],
] as const) {
  test(`${file}: unique panel ids, provisioned datasources, panels inside the 24-column grid`, () => {
    const uids = new Set(provisioned.datasources.map((d) => d.uid));
    const panels = allPanels(dashboard);
    assert.ok(panels.length > 10, `${file} has panels`);
    const ids = panels.map((p) => p.id);
    assert.deepEqual(
      ids.filter((id, i) => ids.indexOf(id) !== i),
      [],
      'duplicate panel ids',
    );
    for (const p of panels) {
      if (p.type === 'row') continue;
      assert.ok(p.targets && p.targets.length > 0, `panel "${p.title}" has queries`);
      assert.ok(
        p.datasource?.uid && uids.has(p.datasource.uid),
        `panel "${p.title}" datasource is provisioned`,
      );
      for (const t of p.targets)
        assert.ok(t.datasource?.uid && uids.has(t.datasource.uid), `"${p.title}" ${t.refId}`);
      const refIds = p.targets.map((t) => t.refId);
      assert.equal(new Set(refIds).size, refIds.length, `"${p.title}" refIds are unique`);
      assert.ok(p.gridPos.x >= 0 && p.gridPos.x + p.gridPos.w <= 24, `"${p.title}" fits the grid`);
    }
    for (const v of dashboard.templating.list)
      assert.ok(
        v.datasource?.uid && uids.has(v.datasource.uid),
        `variable ${v.name} datasource is provisioned`,
      );
  });

  test(`${file}: no two panels overlap`, () => {
    const boxes = allPanels(dashboard).map((p) => ({ title: p.title, ...p.gridPos }));
    for (const [i, a] of boxes.entries())
      for (const b of boxes.slice(i + 1)) {
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        assert.ok(!overlap, `"${a.title}" and "${b.title}" overlap`);
      }
  });
}

test('the two dashboards have distinct uids', () => {
  assert.notEqual(ops.uid, learning.uid);
});

// ------------------------------------------------------------------ ops dashboard and alerts

test('the metric-name check catches a name the code does not define', async () => {
  const { names } = await definedMetricNames();
  assert.deepEqual(metricNamesIn('sum by (code) (rate(lrstream_x_total{code="a b"}[5m])) / up'), [
    'lrstream_x_total',
    'up',
  ]);
  assert.deepEqual(
    unknownMetrics(
      ['rate(lrstream_validate_events_eaten_total{service=~"$service"}[$__rate_interval])'],
      names,
    ),
    ['lrstream_validate_events_eaten_total'],
  );
});

test('every metric in the ops dashboard is one the services define', async () => {
  const { names, stages } = await definedMetricNames();
  assert.ok(
    stages.includes('validate') && stages.includes('index'),
    `stages from the code: ${stages.join(', ')}`,
  );
  assert.ok(names.has('lrstream_process_process_resident_memory_bytes'), 'default process metrics collected');
  const exprs = opsExprs();
  assert.ok(exprs.length > 40, 'the ops dashboard has queries');
  assert.deepEqual(unknownMetrics(exprs, names), []);
});

test('the ops dashboard covers every stage and filters on $service', async () => {
  const { stages } = await definedMetricNames();
  const text = targetsOf(ops)
    .map(({ t }) => t.expr)
    .join('\n');
  for (const stage of stages)
    for (const what of ['events_consumed_total', 'events_dead_lettered_total', 'consumer_lag_messages'])
      assert.ok(text.includes(`lrstream_${stage}_${what}`), `lrstream_${stage}_${what} is charted`);
  for (const { panel, t } of targetsOf(ops))
    assert.match(
      t.expr ?? '',
      /service=~"\$service"/,
      `"${panel.title}" ${t.refId} follows the service variable`,
    );
  assert.ok(ops.templating.list.some((v) => v.name === 'service'));
});

test('every metric in alerts.yml is one the services define; rules are labelled and annotated', async () => {
  const { names } = await definedMetricNames();
  const rules = alertRules();
  assert.ok(rules.length >= 6);
  assert.deepEqual(
    unknownMetrics(
      rules.map((r) => r.expr),
      names,
    ),
    [],
  );
  for (const r of rules) {
    assert.ok(r.alert, 'alerting rules only');
    assert.match(r.labels?.severity ?? '', /^(warning|critical)$/, `${r.alert} severity`);
    assert.ok(r.annotations?.summary && r.annotations.description, `${r.alert} annotations`);
  }
  for (const name of [
    'LrstreamServiceDown',
    'LrstreamStageStalled',
    'LrstreamDeadLetterRateHigh',
    'LrstreamIngestKafkaUnavailable',
    'LrstreamElasticsearchBulkFailures',
    'LrstreamEndToEndLatencyHigh',
  ])
    assert.ok(
      rules.some((r) => r.alert === name),
      `${name} is defined`,
    );
});

test('compose mounts alerts.yml where prometheus.yml loads it', () => {
  const prometheus = parse(read('deploy/prometheus/prometheus.yml')) as { rule_files?: string[] };
  assert.deepEqual(prometheus.rule_files, ['/etc/prometheus/alerts.yml']);
  const compose = parse(read('docker-compose.yml')) as { services: Record<string, { volumes?: string[] }> };
  assert.ok(
    compose.services.prometheus?.volumes?.includes(
      './deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro',
    ),
  );
});

const promtool =
  spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0 ? 'promtool' : undefined;
const noPromtool = promtool ? false : 'promtool is not on PATH (Debian package prometheus)';

test('promtool check rules accepts alerts.yml', { skip: noPromtool }, () => {
  const out = execFileSync(
    'promtool',
    ['check', 'rules', new URL('deploy/prometheus/alerts.yml', root).pathname],
    {
      encoding: 'utf8',
    },
  );
  assert.match(out, /SUCCESS: \d+ rules found/);
});

/**
 * promtool's rule unit tests: synthetic series in, alerts expected out. promtool compares
 * annotations too, so the scenario runs on a copy of the rules without them (their templates are
 * checked by `promtool check rules` above); the expressions, `for` and labels are the real ones.
 */
test(
  'the alerts fire on the situations they describe, and stay silent otherwise',
  { skip: noPromtool },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'lrstream-alerts-'));
    try {
      const rulesFile = join(dir, 'alerts.yml');
      const bare = {
        groups: alerts.groups.map((g) => ({
          ...g,
          rules: g.rules.map(({ annotations: _a, ...rule }) => rule),
        })),
      };
      writeFileSync(rulesFile, JSON.stringify(bare));
      const scenario = {
        rule_files: [rulesFile],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: [
              // convert is up but consumes nothing while validate keeps writing edx.valid.v1.
              { series: 'up{job="lrstream-convert", service="convert", instance="c:1"}', values: '1x40' },
              { series: 'up{job="lrstream-anonymize", service="anonymize", instance="a:1"}', values: '0x40' },
              {
                series: 'lrstream_validate_events_produced_total{service="validate", topic="edx.valid.v1"}',
                values: '0+60x40',
              },
              { series: 'lrstream_convert_events_consumed_total{service="convert"}', values: '0x40' },
              // validate consumes 100/min and dead-letters 10/min (10% > 5%); index dead-letters 1%.
              { series: 'lrstream_validate_events_consumed_total{service="validate"}', values: '0+100x40' },
              {
                series: 'lrstream_validate_events_dead_lettered_total{service="validate", code="X"}',
                values: '0+10x40',
              },
              { series: 'lrstream_index_events_consumed_total{service="index"}', values: '0+100x40' },
              {
                series: 'lrstream_index_events_dead_lettered_total{service="index", code="X"}',
                values: '0+1x40',
              },
              {
                series:
                  'lrstream_anonymize_events_produced_total{service="anonymize", topic="xapi.anonymized.v1"}',
                values: '0+100x40',
              },
              { series: 'lrstream_ingest_kafka_unavailable_total{service="ingest"}', values: '0x10 1+1x30' },
              // index paused partition 2 after its retry budget was spent on ES_UNAVAILABLE, from 10m on.
              {
                series:
                  'lrstream_index_partition_stalled{service="index", topic="xapi.anonymized.v1", partition="2", code="ES_UNAVAILABLE"}',
                values: '_x10 1x30',
              },
            ],
            alert_rule_test: [
              {
                eval_time: '30m',
                alertname: 'LrstreamStageStalled',
                exp_alerts: [{ exp_labels: { severity: 'critical', stage: 'convert' } }],
              },
              {
                eval_time: '30m',
                alertname: 'LrstreamServiceDown',
                exp_alerts: [
                  {
                    exp_labels: {
                      severity: 'critical',
                      job: 'lrstream-anonymize',
                      service: 'anonymize',
                      instance: 'a:1',
                    },
                  },
                ],
              },
              {
                eval_time: '30m',
                alertname: 'LrstreamDeadLetterRateHigh',
                exp_alerts: [{ exp_labels: { severity: 'warning', stage: 'validate' } }],
              },
              { eval_time: '5m', alertname: 'LrstreamIngestKafkaUnavailable', exp_alerts: [] },
              {
                eval_time: '20m',
                alertname: 'LrstreamIngestKafkaUnavailable',
                exp_alerts: [{ exp_labels: { severity: 'critical' } }],
              },
              { eval_time: '5m', alertname: 'LrstreamPartitionPaused', exp_alerts: [] },
              {
                eval_time: '20m',
                alertname: 'LrstreamPartitionPaused',
                exp_alerts: [
                  {
                    exp_labels: {
                      severity: 'critical',
                      service: 'index',
                      topic: 'xapi.anonymized.v1',
                      partition: '2',
                      code: 'ES_UNAVAILABLE',
                    },
                  },
                ],
              },
              { eval_time: '30m', alertname: 'LrstreamElasticsearchBulkFailures', exp_alerts: [] },
              { eval_time: '30m', alertname: 'LrstreamEndToEndLatencyHigh', exp_alerts: [] },
            ],
          },
        ],
      };
      const file = join(dir, 'alerts.test.yml');
      writeFileSync(file, JSON.stringify(scenario)); // JSON is YAML
      const run = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
      assert.equal(run.status, 0, `promtool test rules:\n${run.stdout}${run.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

// ------------------------------------------------------------------ learning dashboard

interface MappingNode {
  type?: string;
  properties?: Record<string, MappingNode>;
}
const template = JSON.parse(read('services/index/templates/xapi.json')) as {
  template: { mappings: MappingNode };
};

/** The mapped type of a dotted field; extension IRIs contain dots, so keys are matched greedily. */
function mappedType(path: string, node: MappingNode = template.template.mappings): string | undefined {
  const props = node.properties ?? {};
  if (props[path]) return props[path]?.type ?? (props[path]?.properties ? 'object' : undefined);
  for (const [key, child] of Object.entries(props).sort((a, b) => b[0].length - a[0].length))
    if (path.startsWith(`${key}.`)) return mappedType(path.slice(key.length + 1), child);
  return undefined;
}

/** Field names a Lucene query tests (`field:value`, `_exists_:field`), unescaped. */
function luceneFields(query: string): string[] {
  const fields: string[] = [];
  for (const m of query.matchAll(/(?:^|[\s(])((?:[\w.@]|\\.)+):((?:[\w.@]|\\.)*)/g)) {
    const unescape = (s: string) => s.replace(/\\(.)/g, '$1');
    fields.push(m[1] === '_exists_' ? unescape(m[2] ?? '') : unescape(m[1] as string));
  }
  return fields;
}

const AGGREGATABLE = new Set(['keyword', 'date', 'double', 'long', 'integer', 'boolean']);
const NO_SCRIPT_METRICS = new Set(['count', 'cardinality', 'avg', 'sum', 'min', 'max']);
const NO_SCRIPT_BUCKETS = new Set(['terms', 'date_histogram', 'histogram']);

test('the field checks resolve IRI extension fields and find fields in Lucene queries', () => {
  assert.equal(mappedType('result.extensions.https://w3id.org/xapi/video/extensions/time'), 'double');
  assert.equal(mappedType('lrstream.actor_pseudonym'), 'keyword');
  assert.equal(mappedType('actor.mbox_sha1sum.nope'), undefined);
  assert.deepEqual(
    luceneFields(
      'verb.id:"https://x/y" AND result.extensions.https\\:\\/\\/w\\/time:[0 TO 30] AND _exists_:result.success',
    ),
    ['verb.id', 'result.extensions.https://w/time', 'result.success'],
  );
});

test('the learning dashboard queries mapped fields only, with script-free aggregations', () => {
  const es = provisioned.datasources.find((d) => d.uid === 'lrstream-es-xapi');
  assert.ok(es, 'the Elasticsearch datasource is provisioned');
  const targets = targetsOf(learning);
  assert.ok(targets.length >= 15);
  for (const { panel, t } of targets) {
    const where = `"${panel.title}" ${t.refId}`;
    assert.equal(t.datasource?.uid, es.uid, where);
    assert.equal(t.timeField, es.jsonData?.timeField, `${where} time field`);
    assert.match(
      t.query ?? '',
      /lrstream\.course_id:\$\{course:lucene\}/,
      `${where} follows the course variable`,
    );
    for (const f of luceneFields(t.query ?? '')) assert.ok(mappedType(f), `${where}: ${f} is mapped`);
    for (const m of t.metrics ?? []) {
      assert.ok(NO_SCRIPT_METRICS.has(m.type), `${where}: ${m.type} needs no script`);
      assert.ok(!JSON.stringify(m).includes('script'), `${where}: no script`);
      if (m.field)
        assert.ok(AGGREGATABLE.has(mappedType(m.field) ?? ''), `${where}: ${m.field} is aggregatable`);
    }
    assert.ok((t.bucketAggs ?? []).length > 0, `${where} aggregates`);
    for (const b of t.bucketAggs ?? []) {
      assert.ok(NO_SCRIPT_BUCKETS.has(b.type), `${where}: ${b.type}`);
      assert.ok(AGGREGATABLE.has(mappedType(b.field ?? '') ?? ''), `${where}: ${b.field} is aggregatable`);
    }
  }
  const course = learning.templating.list.find((v) => v.name === 'course');
  assert.ok(course, 'course variable');
  assert.match(String(course.query), /"field": "lrstream\.course_id"/);
});

test('the learning dashboard has the video, activity and problem panels', () => {
  const titles = allPanels(learning).map((p) => p.title);
  for (const t of [
    'Views',
    'Unique viewers',
    'Completions',
    'Video activity per day',
    'Most-watched videos',
    'Verbs',
    'Answers: correct vs incorrect',
  ])
    assert.ok(titles.includes(t), `panel "${t}"`);
});
