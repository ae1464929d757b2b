/**
 * Property-based tests of the one ONNX reader (outside bytes: any file handed to `Generator.load`,
 * `cgan info` or the demo): arbitrary and mutated models end in a result or a BadModelError, from
 * reading and from checking the weights, never another exception or a hang.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fixtureModel } from '../test/fixture-model.ts';
import { fuzzParams } from '../test/fuzz-runs.ts';
import { BadModelError } from './errors.ts';
import { readModel } from './model-info.ts';
import { verifyWeights } from './weights-hash.ts';

/** Reads and verifies: 'ok' or 'bad-model'; any other exception fails the property. */
async function outcome(bytes: Uint8Array): Promise<'ok' | 'bad-model'> {
  try {
    await verifyWeights(readModel(bytes, 'fuzz.onnx'), 'fuzz.onnx');
    return 'ok';
  } catch (e) {
    if (e instanceof BadModelError) return 'bad-model';
    throw new Error(`not a BadModelError: ${(e as Error)?.name}: ${(e as Error)?.message}`);
  }
}

const valid = fixtureModel({ genChannels: 4, imageSize: 16, channels: 3, numClasses: 3 });

test('the unmutated fixture verifies (the properties below start from a good file)', async () => {
  assert.equal(await outcome(valid), 'ok');
});

test('arbitrary bytes: a result or a BadModelError', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 1024 }), async (b) => {
      await outcome(b);
    }),
    fuzzParams,
  );
});

test('a valid model with bytes changed, cut or inserted: a result or a BadModelError', async () => {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(valid.length - 1), value: fc.nat(255) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(valid.length - 1) }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(valid.length - 1),
      bytes: fc.uint8Array({ maxLength: 16 }),
    }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), async (edits) => {
      let b = valid.slice();
      for (const e of edits) {
        const at = Math.min(e.at, b.length);
        if (e.kind === 'set' && at < b.length) b[at] = e.value;
        else if (e.kind === 'cut') b = b.slice(0, at);
        else if (e.kind === 'insert') b = new Uint8Array([...b.subarray(0, at), ...e.bytes, ...b.subarray(at)]);
      }
      await outcome(b);
    }),
    fuzzParams,
  );
});
