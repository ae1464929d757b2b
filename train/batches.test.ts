import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../runtime/random.ts';
import { epochOrder } from './batches.ts';

// 10 classes of unequal size (class c has 20 + 7c examples), shuffled.
const labels = (() => {
  const l: number[] = [];
  for (let c = 0; c < 10; c++) for (let i = 0; i < 20 + 7 * c; i++) l.push(c);
  const p = new Rng(99).permutation(l.length);
  return Uint8Array.from(p, (i) => l[i]);
})();

function classCounts(idx: ArrayLike<number>): number[] {
  const n = new Array(10).fill(0);
  for (let i = 0; i < idx.length; i++) n[labels[idx[i]]] += 1;
  return n;
}

test('unbalanced: the plain permutation the trainer always drew, from the same RNG state', () => {
  const got = epochOrder(new Rng(5), { labels, numClasses: 10, batchSize: 16 });
  assert.deepEqual(got, new Rng(5).permutation(labels.length));
});

test('balanced: every batch of 64 holds 6 or 7 of each class, and the spare places rotate evenly', () => {
  const B = 64;
  const order = epochOrder(new Rng(5), { labels, numClasses: 10, batchSize: B, balanced: true });
  const steps = Math.floor(labels.length / B);
  assert.equal(order.length, steps * B);
  const total = new Array(10).fill(0);
  for (let b = 0; b < steps; b++) {
    const n = classCounts(order.subarray(b * B, (b + 1) * B));
    assert.ok(
      n.every((x) => x === 6 || x === 7),
      `batch ${b}: ${n}`,
    );
    assert.equal(n.filter((x) => x === 7).length, 4, `batch ${b}: ${n}`);
    n.forEach((x, c) => (total[c] += x));
  }
  // Over 5 batches (a multiple of C / gcd(C, B mod C)) every class is drawn equally often.
  const five = classCounts(order.subarray(0, 5 * B));
  assert.ok(
    five.every((x) => x === five[0]),
    `${five}`,
  );
  // Rare classes are drawn as often as common ones: the smallest (20 examples) repeats.
  assert.ok(Math.max(...total) - Math.min(...total) <= 4, `${total}`);
  assert.ok(total[0] > 20, `class 0 drawn ${total[0]} times from 20 examples`);
});

test('balanced: a pure function of the RNG state (so a resumed run regenerates it), and shards mix classes', () => {
  const o = { labels, numClasses: 10, batchSize: 20, balanced: true };
  const a = epochOrder(new Rng(8), o);
  assert.deepEqual(epochOrder(new Rng(8), o), a);
  assert.notDeepEqual(epochOrder(new Rng(9), o), a);
  // Each half of a batch (one worker's shard) holds several classes, not a sorted run of a few.
  const half = classCounts(a.subarray(0, 10));
  assert.ok(half.filter((x) => x > 0).length >= 4, `${half}`);
});

test('balanced batches need a batch of at least one per class and every class present', () => {
  assert.throws(
    () => epochOrder(new Rng(1), { labels, numClasses: 10, batchSize: 8, balanced: true }),
    /--batch-size 8 is below the 10 classes; use --batch-size 10 or more, or a plain shuffle \(--no-balanced\)/,
  );
  assert.throws(
    () => epochOrder(new Rng(1), { labels: Uint8Array.of(0, 0, 2, 2), numClasses: 3, batchSize: 3, balanced: true }),
    /class 1 has no examples in the training data; add some, or draw a plain shuffle \(--no-balanced\)/,
  );
});
