/**
 * Adam with PyTorch's update rule (eps added after the bias-corrected square root), over named
 * variables, with its state in plain named tensors so checkpoints can store and restore it exactly.
 * Why not tf.train.adam: the trainer applies gradients that were summed across worker threads and
 * must save/restore moments under stable names; this is 30 lines and leaves nothing implicit.
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

export class Adam {
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();
  /** Steps taken (for bias correction). */
  t = 0;

  constructor(
    readonly cfg: AdamConfig,
    readonly vars: Map<string, tf.Variable>,
  ) {
    for (const [name, w] of vars) {
      this.m.set(name, tf.variable(tf.zerosLike(w), false));
      this.v.set(name, tf.variable(tf.zerosLike(w), false));
    }
  }

  /** Applies one update; `grads` maps each variable's name to its gradient; `lr` is this step's rate (a schedule's). */
  apply(grads: Map<string, tf.Tensor>, lr = this.cfg.lr): void {
    this.t += 1;
    const { beta1, beta2, eps } = this.cfg;
    const c1 = 1 - Math.pow(beta1, this.t);
    const c2 = 1 - Math.pow(beta2, this.t);
    tf.tidy(() => {
      for (const [name, w] of this.vars) {
        const g = grads.get(name);
        if (!g) throw new Error(`Adam: no gradient for ${name}`);
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(c2)), eps);
        w.assign(tf.sub(w, tf.mul(tf.div(m, denom), lr / c1)));
      }
    });
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
