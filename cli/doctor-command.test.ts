/**
 * `cgan doctor` as a user runs it: every training backend of train/backend.ts's table and every
 * Node execution provider of runtime/devices.ts's table, with the missing piece and the fix for
 * each that does not load. Without a Vulkan driver (this process's own environment here) and with
 * one (Chromium's SwiftShader, test/vulkan-env.ts).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { DEVICES } from '../runtime/devices.ts';
import { TRAINING_BACKENDS } from '../train/backend.ts';
import { vulkanEnv } from '../test/vulkan-env.ts';
import type { DoctorReport } from './doctor-command.ts';
import { CGAN_ARGV } from '../test/run-cgan.ts';

function doctor(args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(process.execPath, [...CGAN_ARGV, 'doctor', ...args], { env, timeout: 120_000 }, (err, stdout) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout }),
    );
  });
}

const noVulkan = { ...process.env, LD_LIBRARY_PATH: '/nonexistent', VK_ICD_FILENAMES: '/nonexistent/icd.json' };

test('doctor lists every backend and provider, and names the fix for each missing one', async () => {
  const { code, stdout } = await doctor(['--json'], noVulkan);
  assert.equal(code, 0);
  const r = JSON.parse(stdout) as DoctorReport;
  assert.deepEqual(
    r.training.map((row) => row.name),
    TRAINING_BACKENDS.map((b) => b.name),
  );
  assert.deepEqual(
    r.providers.map((row) => row.name),
    Object.keys(DEVICES.node),
  );
  const row = (rows: DoctorReport['training'], name: string) => rows.find((x) => x.name === name)!;
  assert.equal(row(r.training, 'wasm').ok, true);
  const gpuTrain = row(r.training, 'tensorflow-gpu');
  if (!gpuTrain.ok) assert.match(gpuTrain.needs ?? '', /CUDA 11\.2 and cuDNN 8\.1/);
  const webgpu = row(r.training, 'webgpu');
  assert.equal(webgpu.ok, false);
  assert.match(webgpu.detail, /libvulkan\.so\.1/);
  assert.match(webgpu.install ?? '', /apt-get install libvulkan1/);
  assert.equal(row(r.providers, 'cpu').ok, true);
  const cuda = row(r.providers, 'cuda');
  if (!cuda.ok) assert.match(cuda.detail, /CUDA 12 and cuDNN 9.*ONNXRUNTIME_NODE_INSTALL=cuda12/);
  assert.match(row(r.providers, 'webgpu').detail, /Vulkan/);
  assert.equal(r.adapter, undefined);
});

test('doctor names the WebGPU adapter where a Vulkan driver exists', async (t) => {
  const v = vulkanEnv();
  if ('skip' in v) return t.skip(v.skip);
  const { code, stdout } = await doctor([], v.env);
  assert.equal(code, 0);
  assert.match(stdout, /^webgpu adapter: \S.*$/m);
  assert.doesNotMatch(stdout, /^webgpu adapter: none$/m);
  assert.match(stdout, /^ {2}yes {2}webgpu +webgpu: running on /m);
  assert.match(stdout, /^ {2}yes {2}webgpu +runs \(\S*models\/mnist-cwgan\.onnx, one image\)$/m);
});

test('doctor without the model says the providers were not tried and how to point it at one', async () => {
  const { code, stdout } = await doctor(['--json', '--model', 'no-such.onnx'], noVulkan);
  assert.equal(code, 0);
  const r = JSON.parse(stdout) as DoctorReport;
  for (const p of r.providers)
    assert.match(p.detail, /^not tried: no-such\.onnx does not exist \(pass --model FILE\.onnx\)$/);
});
