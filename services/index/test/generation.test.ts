import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generationOfIndex, generationOfTemplate, generationRoot } from '../src/generation.js';
import { decideTemplateAlias, loadTemplateFile, templateFor } from '../src/template.js';

test('generation 0 is the layout before generations; N >= 1 has its own root', () => {
  assert.equal(generationRoot('lrstream-xapi', 0), 'lrstream-xapi');
  assert.equal(generationRoot('lrstream-xapi', 3), 'lrstream-xapi-g3');
});

test('index names: the generation of a monthly index, nothing for other names', () => {
  const alias = 'lrstream-xapi';
  assert.equal(generationOfIndex(alias, 'lrstream-xapi-2026.11'), 0);
  assert.equal(generationOfIndex(alias, 'lrstream-xapi-g1-2026.11'), 1);
  assert.equal(generationOfIndex(alias, 'lrstream-xapi-g12-2027.01'), 12);
  for (const other of [
    'lrstream-xapi',
    'lrstream-xapi-it-1-2026.11', // a test prefix inside the pattern
    'lrstream-xapi-g0-2026.11', // generation 0 has no g-part
    'lrstream-xapi-g1-2026.11.04', // daily
    'lrstream-xapi-g1',
    'lrstream-identified-2026.11.04',
    'lrstream-xapiX2026.11',
  ])
    assert.equal(generationOfIndex(alias, other), undefined, other);
  assert.equal(generationOfTemplate(alias, 'lrstream-xapi'), 0);
  assert.equal(generationOfTemplate(alias, 'lrstream-xapi-g2'), 2);
  assert.equal(generationOfTemplate(alias, 'lrstream-xapi-it-1'), undefined);
});

test('a generation template wins over the legacy one on its indices (higher priority), and its alias is chosen', () => {
  const file = loadTemplateFile();
  const legacy = templateFor(file, { prefix: 'lrstream-xapi', replicas: 0 });
  const g1 = templateFor(file, { prefix: 'lrstream-xapi-g1', replicas: 0, aliases: [] });
  assert.ok(g1.priority > legacy.priority);
  assert.deepEqual(g1.index_patterns, ['lrstream-xapi-g1-*']);
  assert.deepEqual(g1.template.aliases, {});
  assert.deepEqual(legacy.template.aliases, { 'lrstream-xapi': {} }, 'default: the read alias, as before');
});

test('a service start never moves the read alias: it keeps its template, or claims an unclaimed alias', () => {
  assert.deepEqual(decideTemplateAlias({ existing: { attachesAlias: false }, aliasClaimed: false }), {
    attach: false,
    reason: 'kept',
  });
  assert.deepEqual(decideTemplateAlias({ existing: { attachesAlias: true }, aliasClaimed: true }), {
    attach: true,
    reason: 'kept',
  });
  assert.equal(decideTemplateAlias({ aliasClaimed: false }).attach, true, 'a new deployment');
  assert.equal(decideTemplateAlias({ aliasClaimed: true }).attach, false, 'a generation being built');
});
