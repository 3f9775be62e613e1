/**
 * Loads the edX JSON Schemas (shared/domain/schemas/edx/) once at module load and compiles one
 * validator per model and mode on first use. Schema files are data: defs.json (value types and
 * context), envelopes.json (top-level fields per event source), families/*.json (payload shapes)
 * and models/*.json (one per Ralph model). A model's full schema is its envelope with the model's
 * properties laid over it.
 *
 * Lenient mode is derived from the same data: every `additionalProperties: false` is dropped and
 * any node carrying `x-lenient` is replaced by that value (used to let `ip` be IPv6).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { AnySchemaObject, ValidateFunction } from 'ajv';
import { EDX_FORMATS } from './formats.js';
import type { EdxModelInfo, EdxValidationMode } from './types.js';

type Json = Record<string, unknown>;

interface Envelope {
  properties: Json;
  required: string[];
}

interface ModelFile {
  $id: string;
  title: string;
  'x-edx': {
    family: string;
    eventSource: 'server' | 'browser';
    eventType: string | null;
    envelope: 'server' | 'browser';
    eventMayBeJsonString?: boolean;
    selectWhen?: string;
  };
  properties: Json;
  required: string[];
}

/** Resolved from this file in src/edx/ (tsx) and in dist/edx/ (compiled): both sit two levels below the package root. */
const SCHEMA_ROOT = new URL('../../schemas/edx/', import.meta.url);

function readJson(relative: string): Json {
  return JSON.parse(readFileSync(new URL(relative, SCHEMA_ROOT), 'utf8')) as Json;
}

function listJson(folder: string): string[] {
  return readdirSync(new URL(folder, SCHEMA_ROOT))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => folder + f);
}

const DEFS = readJson('defs.json');
const ENVELOPES = readJson('envelopes.json') as unknown as Record<'server' | 'browser', Envelope>;
const FAMILIES = listJson('families/').map(readJson);
const MODEL_FILES = listJson('models/').map((f) => readJson(f) as unknown as ModelFile);

/** Internal view of one model. */
export interface EdxModelEntry extends EdxModelInfo {
  eventMayBeJsonString: boolean;
  schema: Json;
}

function compose(model: ModelFile): Json {
  const envelope = ENVELOPES[model['x-edx'].envelope];
  return {
    $id: model.$id,
    title: model.title,
    type: 'object',
    properties: { ...envelope.properties, ...model.properties },
    required: [...new Set([...envelope.required, ...model.required])],
    additionalProperties: false,
  };
}

export const EDX_MODEL_ENTRIES: readonly EdxModelEntry[] = MODEL_FILES.map((m) => ({
  name: m.title,
  family: m['x-edx'].family,
  eventSource: m['x-edx'].eventSource,
  eventType: m['x-edx'].eventType,
  selectedBy: m['x-edx'].eventType === null ? 'event_type equals context.path' : 'event_type',
  eventMayBeJsonString: m['x-edx'].eventMayBeJsonString === true,
  schema: compose(m),
}));

/** Deep copy with the lenient relaxations applied. */
function relax(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(relax);
  if (typeof node !== 'object' || node === null) return node;
  const source = node as Json;
  if ('x-lenient' in source) return relax(source['x-lenient']);
  const out: Json = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'additionalProperties' && value === false) continue;
    out[key] = relax(value);
  }
  return out;
}

function makeAjv(mode: EdxValidationMode): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    verbose: true, // errors carry parentSchema (for x-expected) and the failing data
    allowUnionTypes: true,
    strictRequired: false,
    strictTypes: false,
    code: { optimize: true },
  });
  ajv.addVocabulary(['x-expected', 'x-lenient', 'x-edx']);
  for (const [name, check] of Object.entries(EDX_FORMATS)) ajv.addFormat(name, check);
  const prepare =
    mode === 'lenient' ? (s: Json) => relax(s) as AnySchemaObject : (s: Json) => s as AnySchemaObject;
  ajv.addSchema(prepare(DEFS));
  for (const family of FAMILIES) ajv.addSchema(prepare(family));
  return ajv;
}

const ajvByMode: Partial<Record<EdxValidationMode, Ajv>> = {};
const compiled = new Map<string, ValidateFunction>();

/** The compiled validator of one model in one mode (compiled on first use, then cached). */
export function edxModelValidator(model: EdxModelEntry, mode: EdxValidationMode): ValidateFunction {
  const key = mode + ':' + model.name;
  let fn = compiled.get(key);
  if (!fn) {
    const ajv = (ajvByMode[mode] ??= makeAjv(mode));
    fn = ajv.compile(
      mode === 'lenient' ? (relax(model.schema) as AnySchemaObject) : (model.schema as AnySchemaObject),
    );
    compiled.set(key, fn);
  }
  return fn;
}

/** Looks up `x-expected` of a `$ref` target, for issues about missing fields. */
export function edxExpectedOfRef(ref: string): string | undefined {
  const hash = ref.indexOf('#/$defs/');
  if (hash < 0) return undefined;
  const file = ref.slice(0, hash);
  const name = ref.slice(hash + 8);
  // A bare `#/$defs/...` only occurs inside defs.json; the other files use root-relative refs.
  const doc =
    file === '' || file.endsWith('/defs.json') ? DEFS : FAMILIES.find((f) => String(f.$id).endsWith(file));
  const target = (doc?.$defs as Record<string, Json> | undefined)?.[name];
  const expected = target?.['x-expected'] ?? target?.type;
  return typeof expected === 'string' ? expected : undefined;
}
