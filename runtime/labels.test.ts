import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkLabels, parseLabels, repeatLabels, runLength } from './labels.ts';

test('parseLabels reads ranges and lists, keeping order and repeats', () => {
  assert.deepEqual(parseLabels('0-9', 10), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(parseLabels('3,3,7', 10), [3, 3, 7]);
  assert.deepEqual(parseLabels(' 0-2, 7 ,1 ', 10), [0, 1, 2, 7, 1]);
});

test('parseLabels names bad labels', () => {
  assert.throws(() => parseLabels('10', 10), /label 10 is outside the model's classes: it has 10 \(0-9\)/);
  assert.throws(() => parseLabels('0-12', 10), /label 10 is outside/);
  assert.throws(() => parseLabels('1.5', 10), /"1.5" is not a class index/);
  assert.throws(() => parseLabels('-1', 10), /"-1" is not a class index/);
  assert.throws(() => parseLabels('three', 10), /"three" is not a class index/);
  assert.throws(() => parseLabels('', 10), /empty list/);
  assert.throws(() => parseLabels('3,,4', 10), /"" is not a class index/);
  assert.throws(() => parseLabels('9-2', 10), /runs backwards; write it as 2-9/);
});

test('checkLabels rejects non-integers and out-of-range values', () => {
  assert.deepEqual(checkLabels(new Int32Array([1, 2]), 3), [1, 2]);
  assert.throws(() => checkLabels([0, 2.5], 10), /labels\[1\] is 2.5: labels must be integers/);
  assert.throws(() => checkLabels([NaN], 10), /labels\[0\] is NaN/);
  assert.throws(() => checkLabels([3], 3), /label 3 is outside the model's classes: it has 3 \(0-2\)/);
  assert.throws(() => checkLabels([], 3), /empty list/);
});

test('repeatLabels groups copies; runLength finds the run', () => {
  assert.deepEqual(repeatLabels([0, 5], 3), [0, 0, 0, 5, 5, 5]);
  assert.throws(() => repeatLabels([0], 0), /count must be a positive integer/);
  assert.equal(runLength([0, 0, 0, 5, 5, 5]), 3);
  assert.equal(runLength([0, 1, 2]), 1);
  assert.equal(runLength([0, 0, 1]), null);
  assert.equal(runLength([3, 3, 7]), null);
});

const FASHION = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

test('parseLabels takes class names beside indices and ranges, names first', () => {
  assert.deepEqual(parseLabels('Sneaker,Bag', FASHION), [7, 8]);
  assert.deepEqual(parseLabels('Ankle boot, 0-1 ,bag', FASHION), [9, 0, 1, 8]); // a unique case-insensitive match
  // A folder dataset whose class folders are named by numbers: the name wins over the index.
  assert.deepEqual(parseLabels('3,1', ['1', '2', '3']), [2, 0]);
  assert.deepEqual(parseLabels('0-1', ['1', '2', '3']), [0, 1]);
  const commas = ['T-shirt, top', 'Bag "big"', 'x\\y'];
  assert.deepEqual(parseLabels('"T-shirt, top",Bag "big"', commas), [0, 1]);
  assert.deepEqual(parseLabels(' "Bag \\"big\\"" , "x\\\\y"', commas), [1, 2]);
  assert.deepEqual(parseLabels('"1"', ['0', '1']), [1]);
});

test('parseLabels names an unknown class and lists the valid ones', () => {
  assert.throws(
    () => parseLabels('Sneakr', FASHION),
    /"Sneakr" is not a class of this model; its classes are "T-shirt\/top", "Trouser".*"Ankle boot" \(or indices 0-9\)/,
  );
  assert.throws(() => parseLabels('"3"', FASHION), /"3" is not a class of this model/);
  assert.throws(() => parseLabels('1.5', FASHION), /"1.5" is not a class index or a range like 0-9 or a class name/);
  assert.throws(() => parseLabels('"Bag', FASHION), /a quote opened in "\\"Bag" is never closed/);
  assert.throws(() => parseLabels('"Bag" x', FASHION), /after the quoted name "Bag" comes "x"; expected a comma/);
  // Two case-insensitive matches: neither is taken.
  assert.throws(() => parseLabels('bag', ['Bag', 'BAG']), /"bag" is not a class of this model/);
});

test('checkLabels takes a list of names as a page or a JSON request gives it', () => {
  assert.deepEqual(checkLabels(['Bag', 'Sneaker'], FASHION), [8, 7]);
  assert.throws(() => checkLabels(['Bag', 'Hat'], FASHION), /labels\[1\]: "Hat" is not a class of this model/);
});
