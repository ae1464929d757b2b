/**
 * Per-kernel time of one critic step and one generator step on tfjs webgpu (tf.profile), with the
 * stock kernels and then with a candidate replacement registered, in the same run. This is how the
 * webgpu replacement table (train/kernels/register.ts) is decided.
 *   node --import tsx bench/gpu/profile.ts [--batch 2]      (needs a Vulkan driver: docs/gpu.md)
 */
import { Command } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../train/backend.ts';
import { conv2dBackpropFilterKernel } from '../../train/kernels/conv2d-backprop-filter.ts';
import { defaultArch } from '../../train/model.ts';
import { Replica } from '../../train/replica.ts';
import { PRESETS } from '../../cli/train-command.ts';

const o = new Command().option('--batch <n>', 'batch size', Number, 2).parse().opts<{ batch: number }>();
const b = o.batch;
await selectBackend('webgpu');
const r = new Replica(defaultArch(10), { ...PRESETS['wgan-gp'], batchSize: b }, 1);
const shard = {
  real: new Float32Array(b * 784).fill(0.1),
  labels: Int32Array.from({ length: b }, (_, i) => i % 10),
  z: new Float32Array(b * 128).fill(0.3),
  alpha: new Float32Array(b).fill(0.5),
};

async function profile(label: string): Promise<void> {
  await r.criticStep(shard, b); // compiles the shaders first
  for (const step of ['critic', 'generator'] as const) {
    const info = await tf.profile(async () => {
      if (step === 'critic') await r.criticStep(shard, b);
      else await r.generatorStep({ labels: shard.labels, z: shard.z }, b);
    });
    const byKernel = new Map<string, number>();
    for (const k of info.kernels) {
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + ms);
    }
    const total = [...byKernel.values()].reduce((s, x) => s + x, 0);
    const top = [...byKernel].sort((x, y) => y[1] - x[1]).slice(0, 6);
    console.log(
      `${label}, ${step} step, batch ${b}: kernels ${total.toFixed(0)} ms; ` +
        top.map(([k, ms]) => `${k} ${ms.toFixed(0)}`).join(', '),
    );
  }
}

await profile('stock');
const stock = tf.getKernel(tf.Conv2DBackpropFilter, 'webgpu');
tf.unregisterKernel(tf.Conv2DBackpropFilter, 'webgpu');
tf.registerKernel(conv2dBackpropFilterKernel('webgpu'));
await profile('Conv2DBackpropFilter as one dilated conv2d');
tf.unregisterKernel(tf.Conv2DBackpropFilter, 'webgpu');
if (stock) tf.registerKernel(stock);
process.exit(0);
