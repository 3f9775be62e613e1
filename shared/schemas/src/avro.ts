// Avro contracts: the .avsc files in ../avro are the source of truth. A schema may use a named type
// defined in another file (Origin, SourceFormat); `loadValueSchema` inlines it at its first use so
// that what is registered in the schema registry is self-contained.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const AVRO_DIR = fileURLToPath(new URL('../avro/', import.meta.url));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type AvroSchema = { [key: string]: Json };

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const COMPLEX = new Set(['record', 'enum', 'array', 'map', 'fixed', 'error']);

function fullName(schema: AvroSchema): string | undefined {
  if (typeof schema.name !== 'string') return undefined;
  if (schema.name.includes('.')) return schema.name;
  return typeof schema.namespace === 'string' ? `${schema.namespace}.${schema.name}` : schema.name;
}

let byFullName: Map<string, { file: string; schema: AvroSchema }> | undefined;

/** Every .avsc file of the contract folder, by file name. */
export function avroFiles(): string[] {
  return readdirSync(AVRO_DIR)
    .filter((f) => f.endsWith('.avsc'))
    .sort();
}

export function readAvroFile(file: string): AvroSchema {
  return JSON.parse(readFileSync(join(AVRO_DIR, file), 'utf8')) as AvroSchema;
}

function namedTypes(): Map<string, { file: string; schema: AvroSchema }> {
  if (!byFullName) {
    byFullName = new Map();
    for (const file of avroFiles()) {
      const schema = readAvroFile(file);
      const name = fullName(schema);
      if (name) byFullName.set(name, { file, schema });
    }
  }
  return byFullName;
}

/** The self-contained schema of one .avsc file, named types from sibling files inlined. */
export function loadValueSchema(file: string): AvroSchema {
  const defined = new Set<string>();
  const visit = (node: Json, namespace: string | undefined): Json => {
    if (typeof node === 'string') {
      if (PRIMITIVES.has(node)) return node;
      const name = node.includes('.') || !namespace ? node : `${namespace}.${node}`;
      if (defined.has(name) || defined.has(node)) return node;
      const found = namedTypes().get(name) ?? namedTypes().get(node);
      if (!found) throw new Error(`${file}: unknown Avro type "${node}"`);
      return visit(found.schema, namespace);
    }
    if (Array.isArray(node)) return node.map((n) => visit(n, namespace));
    if (node === null || typeof node !== 'object') return node;
    const name = fullName(node);
    if (name) defined.add(name);
    const ns = typeof node.namespace === 'string' ? node.namespace : namespace;
    const out: AvroSchema = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'type' && typeof value === 'string' && COMPLEX.has(value)) out[key] = value;
      else if (key === 'type' || key === 'items' || key === 'values') out[key] = visit(value, ns);
      else if (key === 'fields' && Array.isArray(value)) {
        out[key] = value.map((f) => {
          const field = f as AvroSchema;
          return { ...field, type: visit(field.type ?? null, ns) };
        });
      } else out[key] = value;
    }
    return out;
  };
  return visit(readAvroFile(file), undefined) as AvroSchema;
}
