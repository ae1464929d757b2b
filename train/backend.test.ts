import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { parseBackendRequest, registerTrainingFixes, selectBackend } from './backend.ts';
import { isReplacementKernel } from './kernels/register.ts';

const noAdapter = async () => ({
  ok: false as const,
  missing: 'no Vulkan loader: libvulkan.so.1 is not on the library path',
  fix: 'install it',
});
const absent = { isInstalled: () => false, probeWebGpu: noAdapter };
const adapter = (isFallback: boolean) => async () => ({
  ok: true as const,
  adapter: { vendor: 'acme', architecture: 'rdna9', device: '', description: 'Acme GPU', isFallback },
});
const nodeInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node/package.json');
    return true;
  } catch {
    return false;
  }
})();

after(() => {
  if (tf.findBackend('tensorflow') != null || tf.findBackendFactory('tensorflow') != null)
    tf.removeBackend('tensorflow');
});

describe('selectBackend', () => {
  it('auto without tfjs-node falls through to wasm and says why', async () => {
    const listeners = process.listeners('uncaughtException').length;
    const s = await selectBackend('auto', absent);
    // Emscripten's rethrowing listener would print its 30 kB minified line above every uncaught error.
    assert.equal(process.listeners('uncaughtException').length, listeners);
    assert.equal(s.name, 'wasm');
    assert.equal(s.tfBackend, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.match(
      s.notes[0],
      new RegExp(
        String.raw`^tfjs-node-gpu: not installed \(its install script needs to download libtensorflow; ` +
          String.raw`npm skipped the optional dependency\)$`,
      ),
    );
    assert.match(s.notes[1], /^webgpu: /);
    assert.match(s.notes[2], /^tfjs-node: not installed/);
    assert.ok(
      s.notes.some((n) => /^wasm: running, SIMD (on|off), single-threaded$/.test(n)),
      s.notes.join('\n'),
    );
    assert.ok(s.notes.some((n) => /replacement kernels Conv2DBackpropFilter/.test(n)));
    assert.ok(isReplacementKernel('Conv2DBackpropFilter', 'wasm'));
    assert.ok(tf.getGradient('Greater') != null);
  });

  it('auto with the real module resolution picks what this machine has', async () => {
    const s = await selectBackend('auto');
    assert.equal(s.name, nodeInstalled ? s.name : 'wasm');
    if (!nodeInstalled) assert.ok(s.notes.some((n) => n.startsWith('tfjs-node: not installed')));
  });

  it('auto skips a software WebGPU adapter, and says so', async () => {
    const s = await selectBackend('auto', { isInstalled: () => false, probeWebGpu: adapter(true) });
    assert.equal(s.name, 'wasm');
    assert.ok(
      s.notes.includes(
        'webgpu: skipped, the only adapter is acme rdna9 Acme GPU (software/fallback adapter), ' +
          'slower than wasm (ask for it with --backend webgpu)',
      ),
      s.notes.join('\n'),
    );
  });

  it('auto tries webgpu on a hardware adapter before tfjs-node and wasm', async () => {
    // This process has no Dawn device behind the fake adapter, so tfjs-backend-webgpu fails to start: the note shows
    // it was tried.
    const s = await selectBackend('auto', { isInstalled: () => false, probeWebGpu: adapter(false) });
    const i = s.notes.findIndex((n) => n.startsWith('webgpu: '));
    assert.ok(i > 0 && !s.notes[i].startsWith('webgpu: skipped'), s.notes.join('\n'));
    assert.ok(i < s.notes.findIndex((n) => n.startsWith('tfjs-node: ')));
  });

  it('an explicit webgpu request without an adapter is an error naming the missing piece and the fix', async () => {
    await assert.rejects(selectBackend('webgpu', absent), (e: Error) => {
      assert.match(
        e.message,
        new RegExp(
          String.raw`^--backend webgpu is not available: webgpu: no Vulkan loader: ` +
            String.raw`libvulkan\.so\.1 is not on the library path; install it; or use --backend wasm\.$`,
        ),
      );
      return true;
    });
  });

  it('an explicit tensorflow request without tfjs-node is an error naming the fix', async () => {
    await assert.rejects(selectBackend('tensorflow', absent), (e: Error) => {
      assert.match(e.message, /--backend tensorflow is not available: tfjs-node-gpu: not installed/);
      assert.match(e.message, /npm install @tensorflow\/tfjs-node/);
      assert.match(e.message, /--backend wasm/);
      return true;
    });
  });

  it('a tfjs-node whose native library fails is reported, and the next candidate is used', async () => {
    const s = await selectBackend('auto', {
      isInstalled: (pkg) => pkg.startsWith('@tensorflow/tfjs-node'),
      load: (pkg) => {
        if (pkg === '@tensorflow/tfjs-node-gpu')
          throw new Error("Cannot find module '.../lib/napi-v8/tfjs_binding.node'\nRequire stack: ...");
        // Stands in for tfjs-node, which registers a backend named 'tensorflow' when loaded.
        tf.registerBackend('tensorflow', tf.findBackendFactory('cpu')!, 0);
        return {};
      },
    });
    assert.equal(s.name, 'tensorflow');
    assert.equal(s.tfBackend, 'tensorflow');
    assert.equal(tf.getBackend(), 'tensorflow');
    assert.match(
      s.notes[0],
      new RegExp(
        String.raw`^tfjs-node-gpu: installed but failed to load \(Cannot find module '.*tfjs_binding.node'\); ` +
          String.raw`.*npm rebuild @tensorflow\/tfjs-node-gpu`,
      ),
    );
    assert.match(s.notes[1], /^webgpu: /);
    assert.match(s.notes[2], /^tfjs-node: running/);
    tf.removeBackend('tensorflow');
  });

  it('explicit wasm and cpu requests', async () => {
    assert.equal((await selectBackend('wasm')).name, 'wasm');
    const cpu = await selectBackend('cpu');
    assert.equal(cpu.name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    assert.ok(cpu.notes.some((n) => n.startsWith('cpu: running')));
  });

  it('rejects unknown names with the list of valid ones', async () => {
    assert.throws(
      () => parseBackendRequest('gpu'),
      /Unknown backend "gpu": use one of auto, tensorflow, webgpu, wasm, cpu/,
    );
    await assert.rejects(selectBackend('gpu' as never), /Unknown backend/);
    assert.equal(parseBackendRequest('wasm'), 'wasm');
  });

  it('registerTrainingFixes is idempotent', () => {
    registerTrainingFixes();
    assert.deepEqual(registerTrainingFixes(), { kernels: [], gradients: [] });
  });

  it('works inside a worker thread (wasm loads there, fixes included)', async () => {
    const tsx = import.meta.resolve('tsx/esm/api');
    const backend = new URL('./backend.ts', import.meta.url).href;
    // Workers start without the parent's TypeScript loader, so the worker registers tsx itself.
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      (async () => {
        const { register } = await import(workerData.tsx);
        register();
        const { selectBackend } = await import(workerData.backend);
        const tf = await import('@tensorflow/tfjs');
        const s = await selectBackend('auto', { isInstalled: () => false });
        const x = tf.ones([2, 6, 6, 2]);
        const f = tf.variable(tf.ones([3, 3, 2, 4]));
        const { grads } = tf.variableGrads(() => tf.conv2d(x, f, 2, 'same').square().sum(), [f]);
        parentPort.postMessage({ ...s, backendNow: tf.getBackend(), gradSum: (await grads[f.name].sum().data())[0] });
      })().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));`;
    const worker = new Worker(code, { eval: true, workerData: { tsx, backend } });
    const reply = await new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    assert.equal(reply.error, undefined, String(reply.error));
    assert.equal(reply.name, 'wasm');
    assert.equal(reply.backendNow, 'wasm');
    // The same gradient on the stock cpu backend in this thread.
    await tf.setBackend('cpu');
    const expected = tf.tidy(() => {
      const x = tf.ones([2, 6, 6, 2]) as tf.Tensor4D;
      return tf
        .grad((f: tf.Tensor) =>
          tf
            .conv2d(x, f as tf.Tensor4D, 2, 'same')
            .square()
            .sum(),
        )(tf.ones([3, 3, 2, 4]))
        .sum()
        .dataSync()[0];
    });
    assert.ok(
      Math.abs(Number(reply.gradSum) - expected) <= 1e-4 * expected,
      `worker ${reply.gradSum} vs cpu ${expected}`,
    );
  });
});
