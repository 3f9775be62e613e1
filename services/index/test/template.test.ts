import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertIndexPrefix, loadTemplateFile, templateFor } from '../src/template.js';

const file = loadTemplateFile();
type Mapping = { type?: string; dynamic?: boolean | string; properties?: Record<string, Mapping> };
const mappings = file.template.mappings as Mapping;

/** The mapping of a dotted path; extension IRIs are single keys that contain dots. */
function field(...path: string[]): Mapping | undefined {
  let node: Mapping | undefined = mappings;
  for (const key of path) node = node?.properties?.[key];
  return node;
}

test('template file: root and open-ended objects are not dynamic (no mapping explosion)', () => {
  assert.equal(mappings.dynamic, false);
  for (const path of [
    ['result', 'extensions'],
    ['context', 'extensions'],
    ['object', 'definition', 'extensions'],
    ['verb', 'display'],
    ['authority'],
  ]) {
    assert.equal(field(...path)?.dynamic, false, path.join('.'));
  }
});

test('template file: ids and IRIs are keywords, times are dates, scores and video numbers are numeric', () => {
  const keyword = [
    ['id'],
    ['verb', 'id'],
    ['object', 'id'],
    ['actor', 'account', 'name'],
    ['actor', 'account', 'homePage'],
    ['context', 'registration'],
    ['context', 'contextActivities', 'parent', 'id'],
    ['context', 'contextActivities', 'grouping', 'id'],
    ['context', 'contextActivities', 'category', 'id'],
    ['context', 'contextActivities', 'other', 'id'],
    ['result', 'extensions', 'https://w3id.org/xapi/video/extensions/played-segments'],
    ['lrstream', 'event_id'],
    ['lrstream', 'actor_pseudonym'],
  ];
  for (const path of keyword) assert.equal(field(...path)?.type, 'keyword', path.join('.'));
  for (const path of [['timestamp'], ['stored'], ['lrstream', 'received_at'], ['lrstream', 'indexed_at']])
    assert.equal(field(...path)?.type, 'date', path.join('.'));
  for (const name of ['scaled', 'raw', 'min', 'max'])
    assert.equal(field('result', 'score', name)?.type, 'double', name);
  for (const name of ['time', 'progress', 'length'])
    assert.equal(
      field('result', 'extensions', `https://w3id.org/xapi/video/extensions/${name}`)?.type,
      'double',
    );
  assert.equal(
    field('context', 'extensions', 'https://w3id.org/xapi/video/extensions/length')?.type,
    'double',
  );
  assert.equal(field('result', 'completion')?.type, 'boolean');
  assert.equal(field('result', 'success')?.type, 'boolean');
});

test('templateFor: pattern, alias and template name follow the prefix; replicas from config', () => {
  const request = templateFor(file, { prefix: 'lrstream-xapi', replicas: 1 });
  assert.equal(request.name, 'lrstream-xapi');
  assert.deepEqual(request.index_patterns, ['lrstream-xapi-*']);
  assert.deepEqual(request.template.aliases, { 'lrstream-xapi': {} });
  assert.equal(request.template.settings.index.number_of_replicas, 1);
  assert.equal(request.template.mappings, file.template.mappings);
  assert.ok(!('$comment' in request));
  // A more specific prefix inside the default pattern wins (ES refuses overlapping equal priorities).
  const nested = templateFor(file, { prefix: 'lrstream-xapi-it-1', replicas: 0 });
  assert.ok(nested.priority > request.priority);
});

test('assertIndexPrefix: refuses names Elasticsearch would refuse', () => {
  assert.doesNotThrow(() => assertIndexPrefix('lrstream-xapi', 'INDEX_PREFIX'));
  assert.throws(() => assertIndexPrefix('LRStream', 'INDEX_PREFIX'), /INDEX_PREFIX/);
  assert.throws(() => assertIndexPrefix('_x', 'INDEX_PREFIX'), /INDEX_PREFIX/);
  assert.throws(() => assertIndexPrefix('a b', 'INDEX_PREFIX'), /INDEX_PREFIX/);
});
