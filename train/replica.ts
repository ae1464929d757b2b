/**
 * One full copy of the model and its optimisers, living in one worker thread.
 *
 * Data-parallel training keeps N replicas in lockstep: each computes gradients on its shard of the
 * batch, the coordinator sums them, and every replica applies the same sum with the same Adam
 * update, so their weights stay bit-identical without ever sending weights around.
 */
import * as tf from '@tensorflow/tfjs';
import { Adam } from './adam.ts';
import { DEFAULT_EMA_DECAY, EMA_PREFIX, hasWeightAverage, WeightAverage } from './ema.ts';
import type { Hyper } from './run-files.ts';
import { criticLoss, generatorLoss, type CriticSums } from './loss.ts';
import { lrAt, peakLr } from './schedule.ts';
import { generator, initParams, type ArchConfig, type Params } from './model.ts';
import type { StoredTensor } from './safetensors.ts';

export type Group = 'generator' | 'critic';

export interface CriticShard {
  /** NHWC float32 [-1, 1], n x size x size x channels. */
  real: Float32Array;
  labels: Int32Array;
  z: Float32Array;
  alpha: Float32Array;
  /** Real images of another class that replace the fakes where mask is 1 (train/mismatch.ts). */
  mismatch?: { images: Float32Array; mask: Float32Array };
}

export interface GeneratorShard {
  labels: Int32Array;
  z: Float32Array;
}

export interface CriticResult {
  grads: Float32Array;
  real: number;
  fake: number;
  penalty: number;
  numTensors: number;
}

export interface GeneratorResult {
  grads: Float32Array;
  score: number;
  numTensors: number;
}

export class Replica {
  readonly params: Params;
  private readonly names: Record<Group, string[]>;
  private readonly adam: Record<Group, Adam>;
  /** Average of the generator's weights; absent when the run's emaDecay is 0. */
  private readonly ema?: WeightAverage;

  constructor(
    readonly arch: ArchConfig,
    readonly hyper: Hyper,
    seed: number,
  ) {
    this.params = initParams(arch, seed);
    const all = Object.keys(this.params);
    this.names = {
      generator: all.filter((n) => n.startsWith('generator.')),
      critic: all.filter((n) => n.startsWith('critic.')),
    };
    const cfg = (net: Group) => ({ lr: peakLr(hyper, net), beta1: hyper.beta1, beta2: hyper.beta2, eps: hyper.eps });
    this.adam = {
      generator: new Adam(cfg('generator'), new Map(this.names.generator.map((n) => [n, this.params[n]]))),
      critic: new Adam(cfg('critic'), new Map(this.names.critic.map((n) => [n, this.params[n]]))),
    };
    const decay = hyper.emaDecay ?? DEFAULT_EMA_DECAY;
    if (decay > 0) this.ema = new WeightAverage(decay, new Map(this.names.generator.map((n) => [n, this.params[n]])));
  }

  /** Number of float32 values in a group's flattened gradient. */
  size(group: Group): number {
    return this.names[group].reduce((s, n) => s + this.params[n].size, 0);
  }

  // Async throughout: the webgpu backend cannot read tensors synchronously (dataSync), so every read is data().
  async criticStep(s: CriticShard, fullBatch: number): Promise<CriticResult> {
    const n = s.labels.length;
    const a = this.arch;
    const labels = tf.tensor1d(s.labels, 'int32');
    const real = tf.tensor4d(s.real, [n, a.imageSize, a.imageSize, a.channels]);
    const z = tf.tensor2d(s.z, [n, a.zDim]);
    const alpha = tf.tensor4d(s.alpha, [n, 1, 1, 1]);
    const fake = tf.tidy(() => {
      const g = generator(this.params, a, z, labels, { inference: true });
      if (!s.mismatch) return g;
      const mask = tf.tensor4d(s.mismatch.mask, [n, 1, 1, 1]);
      const other = tf.tensor4d(s.mismatch.images, [n, a.imageSize, a.imageSize, a.channels]);
      return tf.add(tf.mul(g, tf.sub(1, mask)), tf.mul(other, mask)) as tf.Tensor4D;
    });
    const sums: Partial<CriticSums> = {};
    const vars = this.names.critic.map((k) => this.params[k]);
    const { value, grads } = tf.variableGrads(
      () => criticLoss(this.params, a, real, fake, labels, alpha, this.hyper.lambda, fullBatch, sums),
      vars,
    );
    const flat = await this.flatten('critic', grads);
    const scores = tf.stack([sums.real!, sums.fake!, sums.penalty!]);
    const [realSum, fakeSum, penaltySum] = await scores.data();
    scores.dispose();
    const result: CriticResult = { grads: flat, real: realSum, fake: fakeSum, penalty: penaltySum, numTensors: 0 };
    tf.dispose([value, labels, real, z, alpha, fake, sums.real!, sums.fake!, sums.penalty!, ...Object.values(grads)]);
    result.numTensors = tf.memory().numTensors;
    return result;
  }

  async generatorStep(s: GeneratorShard, fullBatch: number): Promise<GeneratorResult> {
    const n = s.labels.length;
    const labels = tf.tensor1d(s.labels, 'int32');
    const z = tf.tensor2d(s.z, [n, this.arch.zDim]);
    const out: { score?: tf.Scalar } = {};
    const vars = this.names.generator.map((k) => this.params[k]);
    const { value, grads } = tf.variableGrads(
      () => generatorLoss(this.params, this.arch, z, labels, fullBatch, out),
      vars,
    );
    const flat = await this.flatten('generator', grads);
    const score = (await out.score!.data())[0];
    tf.dispose([value, labels, z, out.score!, ...Object.values(grads)]);
    return { grads: flat, score, numTensors: tf.memory().numTensors };
  }

  /** Applies a summed, flattened gradient to a group with Adam. */
  apply(group: Group, flat: Float32Array): void {
    const grads = new Map<string, tf.Tensor>();
    let off = 0;
    for (const name of this.names[group]) {
      const p = this.params[name];
      grads.set(name, tf.tensor(flat.subarray(off, off + p.size), p.shape));
      off += p.size;
    }
    // The critic's Adam counts critic steps: this update belongs to critic step t + 1 (critic) or t
    // (the generator step that follows it). Both replicas and a resumed run compute the same rate.
    const step = this.adam.critic.t + (group === 'critic' ? 1 : 0);
    this.adam[group].apply(grads, lrAt(this.hyper, group, step));
    tf.dispose([...grads.values()]);
    if (group === 'generator') this.ema?.update(this.adam.generator.t);
  }

  /**
   * Generator forward without gradient: NHWC images in [-1, 1], from the averaged weights when kept (what export
   * ships).
   */
  async generate(z: Float32Array, labels: Int32Array): Promise<Float32Array> {
    const params: Params = this.ema ? { ...this.params, ...Object.fromEntries(this.ema.avg) } : this.params;
    const n = labels.length;
    const out = tf.tidy(() => {
      const zt = tf.tensor2d(z, [n, this.arch.zDim]);
      return generator(params, this.arch, zt, tf.tensor1d(labels, 'int32'), { inference: true });
    });
    const images = (await out.data()) as Float32Array;
    out.dispose();
    return images;
  }

  /** Weights, Adam moments and the weight average under their checkpoint names, plus Adam's step counters. */
  async state(): Promise<{ tensors: Record<string, StoredTensor>; adamT: Record<Group, number> }> {
    const tensors: Record<string, StoredTensor> = {};
    const put = async (name: string, t: tf.Tensor) => {
      tensors[name] = { dtype: 'F32', shape: [...t.shape], data: (await t.data()) as Float32Array };
    };
    for (const group of ['generator', 'critic'] as const) {
      for (const name of this.names[group]) {
        await put(name, this.params[name]);
        await put(`adam.m.${name}`, this.adam[group].m.get(name)!);
        await put(`adam.v.${name}`, this.adam[group].v.get(name)!);
      }
    }
    for (const [name, a] of this.ema?.avg ?? []) await put(EMA_PREFIX + name, a);
    return { tensors, adamT: { generator: this.adam.generator.t, critic: this.adam.critic.t } };
  }

  /** Restores `state()`'s output; shapes must match this replica's architecture. */
  load(tensors: Record<string, StoredTensor>, adamT: Record<Group, number>): void {
    for (const group of ['generator', 'critic'] as const) {
      for (const name of this.names[group]) {
        const targets: [string, tf.Variable][] = [
          [name, this.params[name]],
          [`adam.m.${name}`, this.adam[group].m.get(name)!],
          [`adam.v.${name}`, this.adam[group].v.get(name)!],
        ];
        for (const [key, variable] of targets) {
          const t = tensors[key];
          if (!t) throw new Error(`checkpoint has no tensor ${key}`);
          if (t.shape.join(',') !== variable.shape.join(',')) {
            throw new Error(`checkpoint tensor ${key} has shape [${t.shape}] but the model needs [${variable.shape}]`);
          }
          tf.tidy(() => variable.assign(tf.tensor(t.data, t.shape, 'float32')));
        }
      }
      this.adam[group].t = adamT[group];
    }
    if (this.ema) {
      // A checkpoint saved before averaging was on (or by an older build) starts it here.
      if (hasWeightAverage(tensors, this.names.generator)) {
        for (const [name, a] of this.ema.avg) {
          const t = tensors[EMA_PREFIX + name];
          if (t.shape.join(',') !== a.shape.join(','))
            throw new Error(
              `checkpoint tensor ${EMA_PREFIX + name} has shape [${t.shape}] but the model needs [${a.shape}]`,
            );
          tf.tidy(() => a.assign(tf.tensor(t.data, t.shape, 'float32')));
        }
      } else this.ema.reset();
    }
  }

  /** One concatenated read, so a GPU backend makes one device-to-host copy per step, not one per tensor. */
  private async flatten(group: Group, grads: tf.NamedTensorMap): Promise<Float32Array> {
    const parts = this.names[group].map((name) => {
      const g = grads[this.params[name].name];
      if (!g) throw new Error(`no gradient for ${name}`);
      return g;
    });
    const flat = tf.tidy(() => tf.concat(parts.map((g) => g.reshape([-1]))));
    const out = (await flat.data()) as Float32Array;
    flat.dispose();
    if (out.length !== this.size(group)) {
      throw new Error(`${group} gradient has ${out.length} values, expected ${this.size(group)}`);
    }
    return out;
  }
}
