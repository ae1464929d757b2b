import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEVICES } from '../runtime/devices.ts';
import { browserDevices, readSettings } from './attributes.ts';

const from = (attrs: Record<string, string>) => (name: string) => attrs[name] ?? null;

test('defaults: every class (labels null), seed 0, device auto, one image per label, scale 1', () => {
  assert.deepEqual(readSettings(from({ src: 'm.onnx' })), {
    src: 'm.onnx',
    labels: null,
    seed: 0,
    device: 'auto',
    dtype: null,
    count: 1,
    cols: null,
    scale: 1,
  });
});

test('values are read as given', () => {
  const s = readSettings(
    from({ labels: '3,3,7', seed: '4294967295', device: 'wasm', dtype: 'fp16', count: '4', cols: '2', scale: '3' }),
  );
  assert.deepEqual(s, {
    src: null,
    labels: '3,3,7',
    seed: 4294967295,
    device: 'wasm',
    dtype: 'fp16',
    count: 4,
    cols: 2,
    scale: 3,
  });
});

test('bad values name the attribute and what it takes', () => {
  assert.throws(() => readSettings(from({ seed: '-1' })), /seed="-1": expected a whole number from 0 to 4294967295/);
  assert.throws(() => readSettings(from({ seed: '1.5' })), /seed="1.5"/);
  assert.throws(() => readSettings(from({ scale: '0' })), /scale="0": expected a whole number from 1 to 64/);
  assert.throws(() => readSettings(from({ labels: ' ' })), /labels="": expected class names or indices/);
  assert.throws(() => readSettings(from({ device: 'cuda' })), /device="cuda": expected one of auto, webgpu, wasm, cpu/);
  assert.throws(() => readSettings(from({ dtype: 'int8' })), /dtype="int8": expected one of fp32, fp16/);
  assert.throws(() => readSettings(from({ labels: '' })), /<cgan-generator> labels="": expected class names/);
});

test("the device list is the runtime table's browser column", () => {
  assert.deepEqual(browserDevices(), ['auto', ...Object.keys(DEVICES.browser)]);
});
