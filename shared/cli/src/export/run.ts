// The open-data export: read the index, apply k-anonymity, write CSV + datapackage.json + README.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { toCsv } from './csv.js';
import { problemDataset, videoDataset, weekDataset, type Dataset } from './datasets.js';
import { dataPackage, readme } from './package.js';
import { courseWeeks, problems, videoDays } from './queries.js';

export interface ExportOptions {
  es: string;
  index: string;
  out: string;
  k: number;
  now?: Date;
}

export async function exportOpenData(options: ExportOptions): Promise<Dataset[]> {
  const es = new Client({ node: options.es });
  try {
    const datasets = [
      videoDataset(await videoDays(es, options.index), options.k),
      problemDataset(await problems(es, options.index), options.k),
      weekDataset(await courseWeeks(es, options.index), options.k),
    ];
    const createdAt = (options.now ?? new Date()).toISOString();
    mkdirSync(options.out, { recursive: true });
    for (const d of datasets)
      writeFileSync(
        join(options.out, d.path),
        toCsv(
          d.fields.map((f) => f.name),
          d.rows,
        ),
      );
    writeFileSync(
      join(options.out, 'datapackage.json'),
      JSON.stringify(dataPackage(datasets, options.k, createdAt), null, 2) + '\n',
    );
    writeFileSync(join(options.out, 'README.md'), readme(datasets, options.k, options.index, createdAt));
    return datasets;
  } finally {
    await es.close();
  }
}
