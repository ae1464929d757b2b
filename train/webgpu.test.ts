/**
 * Training on tfjs-backend-webgpu through Dawn, on whatever Vulkan driver the machine has (here and
 * in CI: Chromium's SwiftShader, CPU speed, so the model is small and the steps few). The same
 * critic and generator steps from the same seed must score as on wasm, and repeated steps must
 * not grow the tensor count or the GPU memory.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CGAN_ARGV } from '../test/run-cgan.ts';
import { readCheckpoint } from './checkpoint.ts';
import { runWebGpuChild, vulkanEnv } from '../test/vulkan-env.ts';
import type { StepRecord } from '../test/webgpu-child.ts';
import { vulkanFiles } from './webgpu.ts';

type Run = { adapter?: string; notes: string[]; records: StepRecord[]; gradients: number[] };

test('webgpu training steps match wasm from the same seed, without leaking tensors or GPU memory', async (t) => {
  const v = vulkanEnv();
  if ('skip' in v) return t.skip(v.skip);
  const { webgpu, wasm } = await runWebGpuChild<{ webgpu: Run; wasm: Run }>('train-steps', v.env);
  assert.ok(
    webgpu.notes.some((n) => /^webgpu: running on /.test(n)),
    webgpu.notes.join('\n'),
  );
  assert.ok(webgpu.adapter, 'no adapter reported');
  assert.equal(webgpu.records.length, wasm.records.length);
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-4);
  webgpu.records.forEach((g, i) => {
    const w = wasm.records[i];
    for (const k of ['real', 'fake', 'penalty', 'generator'] as const) {
      assert.equal(g[k] === undefined, w[k] === undefined, `step ${i + 1}: ${k} on one backend only`);
      if (w[k] !== undefined)
        assert.ok(rel(g[k]!, w[k]!) <= 1e-3, `step ${i + 1} ${k}: webgpu ${g[k]} vs wasm ${w[k]}`);
    }
  });
  // The weights moved (a step that changed nothing would also "match").
  assert.notEqual(webgpu.records[0].real, webgpu.records[2].real);
  assert.ok(webgpu.gradients.some((x) => x !== 0));
  // Steps 4 and 6 are the same kind (critic + generator), after tfjs's buffer pool has filled
  // (steps 1-3 grow it): nothing may pile up between them.
  const [a, b] = [webgpu.records[3], webgpu.records[5]];
  assert.equal(b.numTensors, a.numTensors, 'tensors leaked across steps');
  assert.ok(typeof a.numBytesInGPU === 'number', 'webgpu reported no GPU memory');
  assert.equal(b.numBytesInGPU, a.numBytesInGPU, 'GPU bytes held by tensors grew');
  assert.equal(b.numBytesAllocatedInGPU, a.numBytesAllocatedInGPU, 'GPU buffer allocations grew');
});

test('vulkanFiles names the loader and drivers it finds, and nothing when the paths hold none', () => {
  const none = vulkanFiles({ LD_LIBRARY_PATH: '/nonexistent', VK_ICD_FILENAMES: '/nonexistent/icd.json' });
  assert.deepEqual(none.drivers, []);
  const v = vulkanEnv();
  if ('env' in v) {
    const found = vulkanFiles(v.env);
    assert.match(found.loader ?? '', /libvulkan\.so\.1$/);
    assert.ok(found.drivers.length > 0);
  }
});

test('a run started on wasm resumes on webgpu and back: one checkpoint format', async (t) => {
  const v = vulkanEnv();
  if ('skip' in v) return t.skip(v.skip);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cgan-webgpu-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'run');
  const cgan = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [...CGAN_ARGV, 'train', ...args],
        { env: v.env, timeout: 200_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  // A batch of 4 cannot hold all 10 classes: a plain shuffle, not the default preset's balanced batches.
  const small = ['--batch-size', '4', '--no-balanced', '--limit', '64', '--workers', '1'];
  const a = await cgan(['--backend', 'wasm', '--steps', '2', '--out', out, ...small]);
  assert.equal(a.code, 0, a.stderr);
  const b = await cgan(['--resume', out, '--backend', 'webgpu', '--steps', '3']);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /resumed from .* at step 2/);
  assert.match(b.stdout, /ms per critic step on webgpu/);
  const afterGpu = await readCheckpoint(out);
  assert.equal(afterGpu.state.step, 3);
  const c = await cgan(['--resume', out, '--backend', 'wasm', '--steps', '4']);
  assert.equal(c.code, 0, c.stderr);
  const last = await readCheckpoint(out);
  assert.equal(last.state.step, 4);
  assert.deepEqual(Object.keys(last.tensors).sort(), Object.keys(afterGpu.tensors).sort());
  for (const [name, tensor] of Object.entries(afterGpu.tensors)) {
    assert.ok(tensor.data.every(Number.isFinite), `${name} written on webgpu is not finite`);
  }
  const lines = (await readFile(path.join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n');
  assert.deepEqual(
    lines.map((l) => JSON.parse(l).step),
    [1, 2, 3, 4],
  );
});
