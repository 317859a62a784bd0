import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayPlate, findPlate, normalisePlate, plateKind, platesIn } from '../src/index.ts';
import { randomPlate, seeded } from '../src/render.ts';

test('the plate grammar: blue 7-character and green 8-character plates, nothing else', () => {
  assert.equal(plateKind('黑A12345'), 'blue');
  assert.equal(plateKind('云AD12345'), 'green');
  assert.equal(plateKind('粤B12345F'), 'green');
  assert.equal(plateKind('京BC3D4E'), 'blue');
  assert.equal(plateKind('X A12345'), null);
  assert.equal(plateKind('黑I12345'), null, 'I is never an authority letter');
  assert.equal(plateKind('云AX12345'), null, 'a green serial starts with D or F');
  assert.equal(plateKind('黑A1234'), null);
});

test('normalising: separators dropped, upper case, O and I after the letter read as 0 and 1', () => {
  assert.equal(normalisePlate('黑a·I2345'), '黑A12345');
  assert.equal(normalisePlate('云A D1234O'), '云AD12340');
  assert.equal(displayPlate('黑A12345'), '黑A·12345');
});

test('a plate inside a labelled line; the green reading wins over its blue prefix', () => {
  assert.deepEqual(platesIn('号牌号码 云AD12345'), [{ plate: '云AD12345', kind: 'green' }]);
  assert.deepEqual(platesIn('车牌：黑A·12345'), [{ plate: '黑A12345', kind: 'blue' }]);
  assert.deepEqual(platesIn('没有车牌'), []);
});

test('a plate split over two boxes on one row is joined', () => {
  const found = findPlate([
    { text: '黑A', confidence: 0.97, box: [[10, 10], [60, 10], [60, 50], [10, 50]] },
    { text: '·12345', confidence: 0.99, box: [[70, 12], [200, 12], [200, 52], [70, 52]] },
  ]);
  assert.equal(found?.plate, '黑A12345');
  assert.equal(found?.confidence, 0.97);
  assert.deepEqual(found?.box, [[10, 10], [200, 10], [200, 52], [10, 52]]);
});

test('random plates follow the grammar and repeat for a seed', () => {
  const a = seeded(42), b = seeded(42);
  for (let i = 0; i < 200; i++) {
    const kind = i % 2 ? 'green' : 'blue';
    const p = randomPlate(a, kind);
    assert.equal(plateKind(p), kind, p);
    assert.equal(randomPlate(b, kind), p);
  }
});
