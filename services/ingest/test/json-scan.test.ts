// The byte scanner: element spans and depth, whatever the strings hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanJson } from '../src/json-scan.js';

const spans = (text: string) => {
  const buf = Buffer.from(text);
  return scanJson(buf, 32).elements?.map(([s, e]) => buf.subarray(s, e).toString());
};

test('array elements keep their exact bytes, strings with brackets, commas and escapes included', () => {
  const a = '{"s":"a,]}\\"[x","n":[1,2,{"k":"é"}]}';
  const b = '"tail\\\\"';
  assert.deepEqual(spans(`\ufeff [ ${a} ,\n\t${b} , 42,null ,[ ] ]`), [a, b, '42', 'null', '[ ]']);
  assert.deepEqual(spans('[]'), []);
  assert.deepEqual(spans('  [ ]  '), []);
  assert.equal(spans('{"a":[1,2]}'), undefined);
});

test('depth: refused beyond the limit, exactly at the limit accepted, brackets in strings ignored', () => {
  assert.equal(scanJson(Buffer.from('[[[1]]]'), 3).tooDeep, false);
  assert.equal(scanJson(Buffer.from('[[[[1]]]]'), 3).tooDeep, true);
  assert.equal(scanJson(Buffer.from('{"a":"[[[[[[[["}'), 2).tooDeep, false);
  assert.deepEqual(scanJson(Buffer.from('  {"a":1}  '), 5).root, [2, 9]);
});
