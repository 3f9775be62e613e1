// lrstream_archive_*: what was archived, where each partition's archive ends, what failed.
import { Counter, Gauge, Histogram, type Registry } from '@lrstream/runtime';

export interface ArchiveMetrics {
  records: Counter<'topic'>;
  objects: Counter<'topic'>;
  bytes: Counter<'topic'>;
  errors: Counter<'code'>;
  /** Objects found in the store that its manifest or state did not list yet (written before a crash). */
  adopted: Counter<'topic'>;
  /** Offsets Kafka no longer had when the archive reached them (retention), by topic. */
  lost: Counter<'topic'>;
  lastArchivedOffset: Gauge<'topic' | 'partition'>;
  lag: Gauge<'topic' | 'partition'>;
  openRecords: Gauge<'topic' | 'partition'>;
  writeSeconds: Histogram<string>;
}

export function createArchiveMetrics(registry: Registry): ArchiveMetrics {
  const registers = [registry];
  return {
    records: new Counter({
      name: 'lrstream_archive_records_total',
      help: 'Records written to the archive (in objects the store acknowledged).',
      labelNames: ['topic'],
      registers,
    }),
    objects: new Counter({
      name: 'lrstream_archive_objects_total',
      help: 'Objects written to the archive store.',
      labelNames: ['topic'],
      registers,
    }),
    bytes: new Counter({
      name: 'lrstream_archive_bytes_total',
      help: 'Compressed bytes of the objects written.',
      labelNames: ['topic'],
      registers,
    }),
    errors: new Counter({
      name: 'lrstream_archive_errors_total',
      help: 'Failures (store, registry, commit), by code.',
      labelNames: ['code'],
      registers,
    }),
    adopted: new Counter({
      name: 'lrstream_archive_adopted_objects_total',
      help: 'Objects found in the store beyond its state at start-up (written just before a crash) and adopted.',
      labelNames: ['topic'],
      registers,
    }),
    lost: new Counter({
      name: 'lrstream_archive_offsets_lost_total',
      help: 'Offsets that had left Kafka (retention) before the archive reached them.',
      labelNames: ['topic'],
      registers,
    }),
    lastArchivedOffset: new Gauge({
      name: 'lrstream_archive_last_archived_offset',
      help: 'Last offset of each partition in the archive store.',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    lag: new Gauge({
      name: 'lrstream_archive_lag_messages',
      help: 'Records of each partition not yet in the archive store (high watermark - archived end - 1).',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    openRecords: new Gauge({
      name: 'lrstream_archive_open_records',
      help: 'Records read into the open (not yet written) object of each partition.',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    writeSeconds: new Histogram({
      name: 'lrstream_archive_object_write_seconds',
      help: 'Time to write one object with its manifest entry and state.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}
