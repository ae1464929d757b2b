import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EvalReport } from '../eval/evaluate.ts';
import type { Accuracy } from '../eval/metrics.ts';
import { printReport } from './eval-output.ts';

function acc(perClass: number[]): Accuracy {
  const overall = perClass.reduce((a, b) => a + b, 0) / perClass.length;
  return { overall, perClass, counts: perClass.map(() => 10), total: perClass.length * 10 };
}

/** A report of `names.length` classes whose class c scores c / classes (class 0 the worst). */
function report(names: string[]): EvalReport {
  const n = names.length;
  const m = { k: 3, precision: 0.7, recall: 0.4, density: 0.9, coverage: 0.5, realCount: 50, fakeCount: 100 };
  const r = {
    model: { file: 'm.onnx', weightsHash: 'a'.repeat(64), verified: true, step: 5, device: 'cpu' },
    classifier: { file: 'c.safetensors', testAccuracy: 0.9 },
    seed: 0,
    generated: {
      count: n * 10,
      perClass: 10,
      accuracy: acc(names.map((_, i) => i / n)),
      fd: 12.345,
      predicted: names.map(() => 10),
      manifold: m,
    },
    reference: {
      classNames: names,
      test: { name: 'held-out', count: 50, accuracy: acc(names.map(() => 0.95)), stats: { dim: 128 } },
      real: {
        count: n * 10,
        fd: 3.21,
        source: 'the first 10 training images of each class',
        manifold: { ...m, recall: 0.8 },
      },
      seconds: 1,
    },
    seconds: { total: 2, generate: 0.5, classify: 0.5 },
  };
  return r as unknown as EvalReport;
}

function lines(r: EvalReport): string[] {
  const out: string[] = [];
  printReport(r, (l) => out.push(l));
  return out;
}

test('a few short class names: one column each, named', () => {
  const out = lines(report(['cat', 'dog', 'fox']));
  assert.match(out[1], /^ {24} {2}all +cat +dog +fox$/);
  assert.match(out[2], /^conditional accuracy % +33\.3 +0\.0 +33\.3 +66\.7 +\(30 samples, 10 per class, seed 0\)/);
  assert.match(out[4], /^real held-out accuracy % +95\.0/);
  assert.ok(
    out.includes('precision                 0.700  0.700   (fidelity: share of samples inside the real manifold)'),
  );
  assert.ok(out.some((l) => /^recall +0\.400 +0\.800 /.test(l)));
});

test('long names or many classes: one row per class, the worst first, at most 40', () => {
  const names = Array.from({ length: 50 }, (_, i) => `class number ${i}`);
  const out = lines(report(names));
  assert.match(
    out[1],
    /^conditional accuracy % +49\.0 +\(500 samples, 10 per class, seed 0\); real held-out accuracy % 95\.0/,
  );
  assert.match(out[2], /^ {2}class +generated % +real held-out % +samples read as$/);
  assert.match(out[3], /^ {2}class number 0 +0\.0 +95\.0 +10$/);
  assert.match(out[42], /^ {2}class number 39 +78\.0 /);
  assert.equal(out[43], '  ... 10 more classes in --json');
});
