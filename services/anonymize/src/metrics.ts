// What the privacy policy did, counted: fields removed by reason, values replaced inside strings.
import { Counter, type Registry } from '@lrstream/runtime';
import type { PrivacyReport } from '@lrstream/domain';

export interface PrivacyMetrics {
  record(report: PrivacyReport): void;
}

export function createPrivacyMetrics(registry: Registry): PrivacyMetrics {
  const dropped = new Counter({
    name: 'lrstream_anonymize_fields_dropped_total',
    help: 'Fields removed by the privacy policy, by reason (unknown_extension, unknown_property, free_text...).',
    labelNames: ['reason'],
    registers: [registry],
  });
  const replaced = new Counter({
    name: 'lrstream_anonymize_values_replaced_total',
    help: 'Values replaced inside strings (email, ip, identity, course, url_query, url_path).',
    labelNames: ['kind'],
    registers: [registry],
  });
  return {
    record(report) {
      for (const [reason, n] of Object.entries(report.dropped)) if (n) dropped.inc({ reason }, n);
      for (const [kind, n] of Object.entries(report.replaced)) if (n) replaced.inc({ kind }, n);
    },
  };
}
