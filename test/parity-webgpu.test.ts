/**
 * The exported graph on onnxruntime-node's WebGPU EP (the kernels the web demo's WebGPU path uses)
 * against its cpu EP, in a child process that has a Vulkan driver on its library path
 * (test/vulkan-env.ts: the machine's own, else Debian Chromium's SwiftShader). Skips only when
 * neither exists.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runWebGpuChild, vulkanEnv } from './vulkan-env.ts';

interface Parity {
  device: string;
  cases: { labels: string; count: number; fp32: number; fp16: number; range: number }[];
}

test('onnxruntime-node webgpu matches cpu (float32 within 1e-4, float16 weights within 1e-2)', async (t) => {
  const v = vulkanEnv();
  if ('skip' in v) return t.skip(v.skip);
  const r = await runWebGpuChild<Parity>('ort-parity', v.env);
  assert.equal(r.device, 'webgpu');
  assert.deepEqual(
    r.cases.map((c) => c.count),
    [1, 12],
  );
  for (const c of r.cases) {
    // Outputs that are all ~0 would match trivially: the test model's images use the tanh range.
    assert.ok(c.range > 0.5, `labels ${c.labels}: outputs only reach ${c.range}`);
    assert.ok(c.fp32 <= 1e-4, `labels ${c.labels}: webgpu vs cpu ${c.fp32}`);
    assert.ok(c.fp16 <= 1e-2, `labels ${c.labels}: webgpu fp16 vs cpu ${c.fp16}`);
  }
});
