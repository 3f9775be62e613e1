// Generates src/types.generated.ts from the .avsc files: types follow the schemas, never the reverse.
// Run: npm run gen -w @lrstream/schemas. A unit test fails when the committed file is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { avroFiles, readAvroFile, type AvroSchema } from '../src/avro.js';

const OUT = fileURLToPath(new URL('../src/types.generated.ts', import.meta.url));

type Node = AvroSchema | string | Node[];

function tsType(node: Node): string {
  if (typeof node === 'string') {
    switch (node) {
      case 'null':
        return 'null';
      case 'boolean':
        return 'boolean';
      case 'int':
      case 'long':
      case 'float':
      case 'double':
        return 'number';
      case 'bytes':
        return 'Buffer';
      case 'string':
        return 'string';
      default:
        return node.split('.').pop() as string;
    }
  }
  if (Array.isArray(node)) return node.map(tsType).join(' | ');
  switch (node.type) {
    case 'record':
    case 'enum':
      return String(node.name);
    case 'array':
      return `Array<${tsType(node.items as Node)}>`;
    case 'map':
      return `Record<string, ${tsType(node.values as Node)}>`;
    default:
      return tsType(node.type as Node);
  }
}

function comment(doc: unknown, indent = ''): string {
  return typeof doc === 'string' ? `${indent}/** ${doc} */\n` : '';
}

export function generateTypes(): string {
  let out = '// Generated from shared/schemas/avro/*.avsc by scripts/gen-types.ts: do not edit.\n';
  for (const file of avroFiles()) {
    const schema = readAvroFile(file);
    out += `\n// ${file}\n`;
    if (schema.type === 'enum') {
      const symbols = (schema.symbols as string[]).map((s) => `'${s}'`).join(' | ');
      out += comment(schema.doc) + `export type ${String(schema.name)} = ${symbols};\n`;
      continue;
    }
    out += comment(schema.doc) + `export interface ${String(schema.name)} {\n`;
    for (const field of schema.fields as AvroSchema[]) {
      const t = field.type as Node;
      out += comment(field.doc, '  ');
      const enumInline = typeof t === 'object' && !Array.isArray(t) && t.type === 'enum';
      const type = enumInline ? (t.symbols as string[]).map((s) => `'${s}'`).join(' | ') : tsType(t);
      out += `  ${String(field.name)}: ${type};\n`;
    }
    out += '}\n';
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(OUT, generateTypes());
  process.stdout.write(`wrote ${OUT}\n`);
}
