// Statements written for these tests (not taken from any corpus).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A small valid statement; every call returns a fresh copy so tests can mutate it. */
export function baseStatement(): JsonObject {
  return {
    id: '3f2b6c1e-8a4d-4c55-9b1e-2d7f6a0c9e11',
    actor: { objectType: 'Agent', name: 'Ada', mbox: 'mailto:ada@example.org' },
    verb: { id: 'http://adlnet.gov/expapi/verbs/experienced', display: { 'en-US': 'experienced' } },
    object: {
      objectType: 'Activity',
      id: 'https://example.org/courses/algebra/unit-1',
      definition: { name: { en: 'Unit 1' }, type: 'http://adlnet.gov/expapi/activities/module' },
    },
    timestamp: '2024-03-01T10:15:30.123Z',
  };
}

/** Deep copy then apply `edit`; keeps each test's statement independent. */
export function edited(edit: (s: JsonObject) => void): JsonObject {
  const s = baseStatement();
  edit(s);
  return s;
}

/** Access a nested object of a fixture for editing (throws if the path is not an object). */
export function obj(root: JsonObject, ...path: string[]): JsonObject {
  let v: Json = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`not an object at ${key}`);
    const next: Json | undefined = v[key];
    if (next === undefined) throw new Error(`missing ${key}`);
    v = next;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
  return v;
}
