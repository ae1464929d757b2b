/**
 * The exported graph on onnxruntime-node's WebGPU EP (the kernels the web demo's WebGPU path uses)
 * against its cpu EP. Skips where no WebGPU adapter exists (the default here); on Debian run it on
 * Chromium's SwiftShader:
 *   LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json \
 *     node --import tsx --test test/parity-webgpu.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maxAbsDiff } from '../export/parity.ts';
import { smallArch, testOnnx } from '../test/test-checkpoint.ts';
import { Generator } from '../runtime/node.ts';

test('onnxruntime-node webgpu matches cpu (float32 and float16 weights)', async (t) => {
  const bytes = await testOnnx(smallArch());
  let gpu: Generator;
  try {
    gpu = await Generator.load(bytes, { device: 'webgpu' });
  } catch (e) {
    const msg = (e as Error).message;
    assert.match(msg, /device webgpu is not available: .*Vulkan/);
    return t.skip(`no WebGPU adapter: ${msg.slice(0, 120)}...`);
  }
  const cpu = await Generator.load(bytes, { device: 'cpu' });
  const half = await Generator.load(await testOnnx(smallArch(), { fp16: true }), { device: 'webgpu' });
  assert.equal(gpu.device, 'webgpu');
  try {
    for (const labels of ['3', '0-9,1,2']) {
      const a = await cpu.generate({ labels, seed: 5 });
      const b = await gpu.generate({ labels, seed: 5 });
      const h = await half.generate({ labels, seed: 5 });
      assert.ok(maxAbsDiff(a.data, b.data) <= 1e-5, `webgpu vs cpu: ${maxAbsDiff(a.data, b.data)}`);
      assert.ok(maxAbsDiff(a.data, h.data) <= 1e-2, `webgpu fp16 vs cpu: ${maxAbsDiff(a.data, h.data)}`);
    }
  } finally {
    await Promise.all([cpu.dispose(), gpu.dispose(), half.dispose()]);
  }
});
