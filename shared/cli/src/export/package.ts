// datapackage.json (Frictionless Data Package v1) and the README that travels with the files.
import type { Dataset } from './datasets.js';

export function dataPackage(datasets: Dataset[], k: number, createdAt: string): object {
  return {
    profile: 'tabular-data-package',
    name: 'lrstream-open-learning-data',
    title: 'Aggregated learning activity (lrstream open data export)',
    description: `Counts of learning activity aggregated from pseudonymized xAPI statements. Every published count stands for at least ${k} distinct learners (k-anonymity, with secondary suppression), where a learner is a linked set of accounts, not necessarily one person. A learner is a person as far as the pipeline can link their accounts (canonical account home pages, operator account links, LMS user ids learnt from usernames); accounts it cannot link count separately.`,
    created: createdAt,
    licenses: [
      {
        name: 'etalab-2.0',
        path: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence',
        title: 'Licence Ouverte / Open Licence 2.0',
      },
    ],
    keywords: ['learning analytics', 'xAPI', 'MOOC', 'open data'],
    resources: datasets.map((d) => ({
      name: d.name,
      path: d.path,
      profile: 'tabular-data-resource',
      title: d.title,
      description: d.description,
      format: 'csv',
      mediatype: 'text/csv',
      encoding: 'utf-8',
      schema: { fields: d.fields, missingValues: [''] },
    })),
  };
}

export function readme(datasets: Dataset[], k: number, index: string, createdAt: string): string {
  const list = datasets
    .map(
      (d) =>
        `- \`${d.path}\`: ${d.title.toLowerCase()}. ${d.published} rows published, ${d.suppressed} suppressed.`,
    )
    .join('\n');
  return `# Open learning data (lrstream export)

Created ${createdAt} from the Elasticsearch index \`${index}\` by \`lrstream export opendata --k ${k}\`.

${list}

Field types and descriptions: \`datapackage.json\` (Frictionless Data). An empty field means
"suppressed", never zero.

## Method

- Source: xAPI statements after the anonymize stage (pseudonymize policy): no names, e-mails,
  IP addresses or free text; learners are known only by a keyed pseudonym, which this export
  never writes: it only counts distinct pseudonyms.
- Aggregation: Elasticsearch composite aggregations (course x video x UTC day; course x problem;
  course x ISO week), distinct learners by cardinality of the pseudonym (exact below 40 000
  learners per cell).
- k-anonymity (k = ${k}): a row is published only if at least k distinct learners stand behind
  it; inside a published row, each count is published only if at least k distinct learners
  contributed to it (e.g. completions), otherwise its field is empty (primary suppression).
- Secondary suppression: enrollments per week add up to the course total (\`week = all\`). When a
  week's enrollments are hidden, further weeks are hidden until at least two are and the hidden
  weeks stand for at least k learners; if that is impossible the total is hidden too. Distinct
  learner counts (viewers, learners, active learners) are not additive and need no such step.

## Caveats

- Counts depend on what the platforms sent (a video viewed offline is not counted) and on the
  xAPI vocabulary mapped (views = initialized statements, completions = completed statements).
- Days and weeks are UTC, by statement timestamp (the learner's clock for browser events).
- k-anonymity protects against singling out from one file; combining these files with other
  sources (course rosters, other exports, small courses over many weeks) can still narrow
  groups down. Differences between successive exports of the same period can reveal late events.
- What "learners" counts: distinct pseudonyms, one per person as far as the pipeline can link
  accounts: an account's home page is canonicalised (case, port, trailing \`/\`), edX events
  without a user id use the user id learnt from the same username, and the operator's account
  links (\`ANONYMIZE_ACCOUNT_LINKS_FILE\`, e.g. an LTI account by username -> the LMS user id)
  merge accounts. k applies to that count. Accounts the pipeline cannot link (no link given)
  count separately, so a row may then stand for fewer than k people: one person with several
  accounts the pipeline cannot link counts once per account.
- Statements treated by the \`anonymize\` policy carry no pseudonym and are not counted.
`;
}
