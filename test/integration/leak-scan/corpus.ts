// The leak corpus (test/fixtures/privacy-leaks/corpus.json) made concrete for one run: seeded
// personal values unique to the run, the edX tracking-log lines and xAPI statements that carry
// them, and the roster an attacker would hold (user ids, usernames, account names, platform URLs).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

type Json = Record<string, unknown>;

export interface Seed {
  id: string;
  value: string;
  kind: string;
}

interface SeedSpec {
  id: string;
  value: string;
  kind: string;
}

interface EdxSpec {
  label: string;
  items: (number | string)[];
  as: string;
  path?: string;
  link?: string;
  video?: string;
  line?: Json;
}

interface XapiSpec {
  label: string;
  items: (number | string)[];
  statement?: Json;
  statements?: Json[];
  lti?: string;
  n?: number;
}

interface CorpusSpec {
  platforms: Record<'lms' | 'marsha' | 'ashley' | 'moodle', string>;
  course: string;
  seeds: SeedSpec[];
  people: { person: string; edx: string; lti: string }[];
  edxEnvelope: Json;
  edx: EdxSpec[];
  edxInvalid: { label: string; items: (number | string)[]; text: string }[];
  xapi: XapiSpec[];
  xapiInvalid: { label: string; items: (number | string)[]; statement: Json }[];
  cohortCourseParent: string;
}

/** One input of the corpus: a tracking-log line or an xAPI statement, with the leak items it exercises. */
export interface Place {
  label: string;
  items: string[];
}

export interface Corpus {
  run: string;
  /** Every corpus time lies in [t0, t0 + 1 h). */
  t0: number;
  platforms: CorpusSpec['platforms'];
  course: string;
  seeds: Seed[];
  seed(id: string): string;
  edxLines: (Place & { text: string })[];
  edxInvalid: (Place & { text: string })[];
  statements: (Place & { statement: Json })[];
  invalidStatements: (Place & { statement: Json })[];
  /** The people behind the cohort: one edX account and one Marsha LTI account each. */
  people: { person: string; userId: string; username: string; lti: string }[];
  /** Every raw user id, username and account name of the corpus (the attacker's roster). */
  roster: { userIds: string[]; names: string[] };
}

const SPEC_URL = new URL('../../fixtures/privacy-leaks/corpus.json', import.meta.url);
const T0 = Date.UTC(2026, 10, 4, 9, 0, 0);

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const zeroPad = (ip: string) =>
  ip
    .split('.')
    .map((o) => pad(Number(o), 3))
    .join('.');
const edxTime = (ms: number, micro = true) =>
  new Date(ms).toISOString().replace(/\.(\d{3})Z$/, micro ? '.$1456+00:00' : '+00:00');
/** The same instant written with a +05:45 offset (Nepal). */
const nepalTime = (ms: number) => {
  const local = new Date(ms + (5 * 60 + 45) * 60_000).toISOString().replace(/Z$/, '');
  return `${local}+05:45`;
};

export function loadCorpus(run: string): Corpus {
  const spec = JSON.parse(readFileSync(SPEC_URL, 'utf8')) as CorpusSpec;
  const tag = [...createHash('sha256').update(run).digest()]
    .slice(0, 6)
    .map((b) => String.fromCharCode(97 + (b % 26)))
    .join('');
  const values = new Map<string, string>();
  const ids = new Map<number, string>();
  const statementId = (n: number) => {
    let id = ids.get(n);
    if (!id) ids.set(n, (id = randomUUID()));
    return id;
  };
  const digits = (n: number) =>
    Array.from(randomBytes(n), (b, i) => String((i === 0 ? 1 + (b % 9) : b % 10) as number)).join('');
  const filters: Record<string, (v: string) => string> = {
    pct: encodeURIComponent,
    nfd: (v) => v.normalize('NFD'),
    zeropad: zeroPad,
    lower: (v) => v.toLowerCase(),
  };

  /** Replaces every placeholder of a string; `as` is the acting person for {{as:FIELD}}. */
  const fill = (text: string, as?: string): string | number =>
    text.replace(/\{\{([^}]+)\}\}/g, (_m, inner: string) => {
      const [head = '', ...rest] = inner.split(':');
      const arg = rest.join(':');
      const withFilters = (id: string) => {
        const [ref = '', ...fs] = id.split('|');
        let v = values.get(ref);
        if (v === undefined) throw new Error(`corpus: unknown seed ${ref}`);
        for (const f of fs) if (f !== 'int') v = (filters[f] ?? ((x: string) => x))(v);
        return v;
      };
      switch (head) {
        case 'run':
          return run;
        case 'tag':
          return tag;
        case 'hex':
          return randomBytes(Math.ceil(Number(arg) / 2))
            .toString('hex')
            .slice(0, Number(arg));
        case 'digits':
          return digits(Number(arg));
        case 'octet':
          return String(1 + ((randomBytes(1)[0] as number) % 254));
        case 'uuid':
          return randomUUID();
        case 'UUID':
          return randomUUID().toUpperCase();
        case 'seed':
          return withFilters(arg);
        case 'as':
          return withFilters(`${as ?? '?'}.${arg}`);
        case 'id':
          return statementId(Number(arg));
        case 'time':
          return new Date(T0 + Number(arg) * 60_000 + 250).toISOString();
        case 'time-np':
          return nepalTime(T0 + Number(arg) * 60_000 + 250);
        case 'edxtime':
          return edxTime(T0 + Number(arg) * 37_000);
        case 'edxtime-s':
          return edxTime(T0 + Number(arg) * 37_000, false);
        default:
          throw new Error(`corpus: unknown placeholder {{${inner}}}`);
      }
    });
  /** Whole-string `{{...|int}}` placeholders become numbers; "$delete" removes the member. */
  const fillValue = (text: string, as?: string): unknown => {
    const filled = fill(text, as);
    return /^\{\{[^}]+\|int\}\}$/.test(text) ? Number(filled) : filled;
  };
  const instantiate = (value: unknown, as?: string): unknown => {
    if (typeof value === 'string') return fillValue(value, as);
    if (Array.isArray(value)) return value.map((v) => instantiate(v, as));
    if (value && typeof value === 'object') {
      const out: Json = {};
      for (const [k, v] of Object.entries(value)) {
        if (v === '$delete') continue;
        out[String(fill(k, as))] = instantiate(v, as);
      }
      return out;
    }
    return value;
  };
  const merge = (base: Json, over: Json): Json => {
    const out: Json = { ...base };
    for (const [k, v] of Object.entries(over)) {
      const b = out[k];
      if (v === '$delete') delete out[k];
      else if (v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object')
        out[k] = merge(b as Json, v as Json);
      else out[k] = v;
    }
    return out;
  };

  for (const s of spec.seeds) values.set(s.id, String(fill(s.value)));
  const seeds = spec.seeds.map((s) => ({ id: s.id, value: values.get(s.id) as string, kind: s.kind }));
  const items = (list: (number | string)[]) => list.map(String);
  const lms = spec.platforms.lms;
  const courseUrl = `${lms}/courses/${spec.course}/courseware/`;

  const edxLines = spec.edx.map((e, i) => {
    let line: Json;
    if (e.path)
      line = { event_type: e.path, name: e.path, context: { path: e.path }, event: { GET: {}, POST: {} } };
    else if (e.link)
      line = {
        event_type: 'edx.ui.lms.link_clicked',
        event_source: 'browser',
        page: courseUrl,
        event: JSON.stringify({ current_url: courseUrl, target_url: e.link }),
      };
    else if (e.video)
      line = {
        event_type: e.video,
        event_source: 'browser',
        page: courseUrl,
        event: JSON.stringify({ id: `block-v1:${spec.course.slice(10)}+type@video+block@v1`, code: 'html5' }),
      };
    else line = e.line ?? {};
    const merged = merge({ ...spec.edxEnvelope, time: `{{edxtime:${i + 1}}}` }, line);
    if (merged.name === undefined) merged.name = merged.event_type;
    return { label: e.label, items: items(e.items), text: JSON.stringify(instantiate(merged, e.as)) };
  });
  const edxInvalid = spec.edxInvalid.map((e) => ({
    label: e.label,
    items: items(e.items),
    text: String(fill(e.text)),
  }));
  const statements = spec.xapi.flatMap((x) => {
    const list: Json[] = x.statements ?? (x.statement ? [x.statement] : []);
    if (x.lti)
      list.push({
        id: `{{id:${x.n}}}`,
        actor: {
          objectType: 'Agent',
          account: { homePage: spec.platforms.marsha, name: `{{seed:${x.lti}}}` },
        },
        verb: { id: 'https://w3id.org/xapi/video/verbs/played', display: { 'en-US': 'played' } },
        object: {
          objectType: 'Activity',
          id: `${spec.platforms.marsha}/videos/v1`,
          definition: { type: 'https://w3id.org/xapi/video/activity-type/video' },
        },
        result: { extensions: { 'https://w3id.org/xapi/video/extensions/time': 30 } },
        context: {
          contextActivities: {
            parent: [
              {
                objectType: 'Activity',
                id: spec.cohortCourseParent,
                definition: { type: 'http://adlnet.gov/expapi/activities/course' },
              },
            ],
          },
        },
        timestamp: `{{time:${x.n}}}`,
      });
    return list.map((s) => ({ label: x.label, items: items(x.items), statement: instantiate(s) as Json }));
  });
  const invalidStatements = spec.xapiInvalid.map((x) => ({
    label: x.label,
    items: items(x.items),
    statement: instantiate(x.statement) as Json,
  }));
  const people = spec.people.map((p) => ({
    person: p.person,
    userId: values.get(`${p.edx}.userId`) as string,
    username: values.get(`${p.edx}.username`) as string,
    lti: values.get(p.lti) as string,
  }));
  const byKind = (...kinds: string[]) => seeds.filter((s) => kinds.includes(s.kind)).map((s) => s.value);
  return {
    run,
    t0: T0,
    platforms: spec.platforms,
    course: spec.course,
    seeds,
    seed: (id) => {
      const v = values.get(id);
      if (v === undefined) throw new Error(`corpus: unknown seed ${id}`);
      return v;
    },
    edxLines,
    edxInvalid,
    statements,
    invalidStatements,
    people,
    roster: { userIds: byKind('user_id'), names: byKind('username', 'account') },
  };
}
