// CSV writing (RFC 4180): quote when needed, empty field = suppressed or unknown.
export type CsvValue = string | number | null | undefined;

function field(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const s = typeof value === 'number' ? String(value) : value;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(columns: string[], rows: CsvValue[][]): string {
  return [columns.join(','), ...rows.map((r) => r.map(field).join(','))].join('\n') + '\n';
}
