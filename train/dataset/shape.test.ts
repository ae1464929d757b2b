import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareCodePoints } from './listing.ts';
import { chooseShape, sizeProblem, type ImageHeader } from './shape.ts';

const img = (width: number, height = width, colour = 3, alpha = false): ImageHeader => ({
  width,
  height,
  colour,
  alpha,
});

test('the size rule: one valid square size as it is, else the most common shorter side to a multiple of 4', () => {
  assert.equal(chooseShape([img(28), img(28)], {}).size, 28);
  assert.equal(chooseShape([img(64), img(64)], {}).size, 64);
  assert.equal(chooseShape([img(30), img(30), img(64)], {}).size, 32, 'most common 30 -> 32');
  assert.equal(chooseShape([img(31), img(31)], {}).size, 32, 'one size, not a multiple of 4');
  assert.equal(chooseShape([img(500, 375), img(640, 480)], {}).size, 64, 'photos: clamped to 64');
  assert.equal(chooseShape([img(8), img(8)], {}).size, 16, 'tiny: clamped to 16');
  assert.equal(chooseShape([img(40), img(24)], {}).size, 40, 'a tie: the larger');
  assert.equal(chooseShape([img(24, 40)], {}).size, 24, 'a non-square image: its shorter side');
  assert.equal(chooseShape([img(30)], { imageSize: 48 }).size, 48, 'given');
});

test('channels: 1 only if every image is gray (alpha aside); the notes say resizes and alpha once', () => {
  assert.equal(chooseShape([img(16, 16, 1), img(16, 16, 1, true)], {}).channels, 1);
  assert.equal(chooseShape([img(16, 16, 1), img(16, 16, 3)], {}).channels, 3);
  assert.equal(chooseShape([img(16, 16, 3)], { channels: 1 }).channels, 1);
  const notes = chooseShape([img(16), img(20), img(20, 20, 3, true)], { imageSize: 16 }).notes.join('\n');
  assert.match(notes, /2 images resized to 16x16/);
  assert.match(notes, /1 image with an alpha channel: any transparency composited onto black/);
});

test('sizes training takes, and code-point order', () => {
  for (const ok of [16, 20, 28, 32, 64]) assert.equal(sizeProblem(ok), undefined, String(ok));
  for (const bad of [12, 30, 66, 68, 16.5])
    assert.match(sizeProblem(bad)!, /multiples of 4 from 16 to 64/, String(bad));
  const names = ['b', 'a', 'B', '\u{1F600}', '\uFF5A', '_'];
  assert.deepEqual(names.sort(compareCodePoints), ['B', '_', 'a', 'b', '\uFF5A', '\u{1F600}']);
});
