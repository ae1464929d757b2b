/**
 * Property-based tests of the safetensors and checkpoint readers (outside bytes: a file anyone can
 * hand to `train --resume` or `export`): arbitrary and mutated files end in a result or a
 * BadFileError, never another exception, a hang or an allocation beyond the file's size.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BadFileError } from '../runtime/errors.ts';
import { fuzzParams } from '../test/fuzz-runs.ts';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.ts';
import { decodeSafetensors } from './safetensors.ts';

/** Runs a reader: a result, or a BadFileError; anything else fails the property. */
function typedOutcome(read: () => unknown): 'ok' | 'bad-file' {
  try {
    read();
    return 'ok';
  } catch (e) {
    if (e instanceof BadFileError) return 'bad-file';
    throw new Error(`not a BadFileError: ${(e as Error)?.name}: ${(e as Error)?.message}`);
  }
}

/** A small valid checkpoint to mutate. */
const valid = encodeCheckpoint({
  config: { arch: {}, hyper: {}, dataset: {} } as never,
  state: { step: 1, rng: [1, 2, 3, 4] } as never,
  tensors: {
    a: { dtype: 'F32', shape: [3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    b: { dtype: 'I32', shape: [2], data: Int32Array.from([7, 8]) },
  },
});
const headerLength = Number(new DataView(valid.buffer).getBigUint64(0, true));

/** A safetensors file whose 8-byte length is right and whose header is any JSON value. */
const withHeader = (header: unknown, data = new Uint8Array(16)) => {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
};

test('arbitrary bytes: a result or a BadFileError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), (b) => {
      typedOutcome(() => decodeSafetensors(b, 'fuzz'));
    }),
    fuzzParams,
  );
});

test('arbitrary JSON headers (tensors with any shapes, offsets, dtypes): a result or a BadFileError', () => {
  const entry = fc.record(
    {
      dtype: fc.oneof(fc.constantFrom('F32', 'I32', 'F16', 'BF16'), fc.jsonValue()),
      shape: fc.oneof(fc.array(fc.oneof(fc.nat(8), fc.integer(), fc.double())), fc.jsonValue()),
      data_offsets: fc.oneof(fc.tuple(fc.nat(64), fc.nat(64)), fc.tuple(fc.integer(), fc.integer()), fc.jsonValue()),
    },
    { requiredKeys: [] },
  );
  const header = fc.oneof(
    fc.jsonValue(),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(entry, fc.jsonValue()), { maxKeys: 4 }),
  );
  fc.assert(
    fc.property(header, fc.uint8Array({ maxLength: 64 }), (h, data) => {
      typedOutcome(() => decodeSafetensors(withHeader(h, data), 'fuzz'));
    }),
    fuzzParams,
  );
});

test('a valid checkpoint with bytes flipped, cut or its length field rewritten: a result or a BadFileError', () => {
  const mutation = fc.oneof(
    fc.record({
      kind: fc.constant('flip' as const),
      at: fc.nat(valid.length - 1),
      xor: fc.integer({ min: 1, max: 255 }),
    }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(valid.length) }),
    fc.record({ kind: fc.constant('length' as const), value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
  );
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
      let b = Uint8Array.from(valid);
      for (const m of ms) {
        if (m.kind === 'flip') b[m.at % b.length] ^= m.xor;
        else if (m.kind === 'cut') b = b.subarray(0, m.at);
        else if (b.length >= 8) new DataView(b.buffer, b.byteOffset).setBigUint64(0, m.value, true);
      }
      const outcome = typedOutcome(() => decodeCheckpoint(b, 'fuzz'));
      // A flip inside the data section is damage the checksums must catch.
      const dataFlip = ms.length === 1 && ms[0].kind === 'flip' && ms[0].at >= 8 + headerLength;
      if (dataFlip) assert.equal(outcome, 'bad-file', `flip at ${ms[0].kind === 'flip' && ms[0].at} went unnoticed`);
    }),
    fuzzParams,
  );
});
