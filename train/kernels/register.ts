/**
 * Registers everything training needs beyond stock tfjs 4.22: replacement kernels on wasm and zero
 * gradients for comparisons. Idempotent and safe from several module copies (tsx workers), since it
 * checks the global kernel registry rather than a module flag.
 */
import * as tf from '@tensorflow/tfjs';
// The wasm package registers its stock kernels when imported; importing it here first means a later
// import cannot overwrite the replacements, and the wrappers find the stock kernels they fall back to.
import '@tensorflow/tfjs-backend-wasm';
import { registerComparisonGradients } from './comparison-gradients.ts';
import { conv2dBackpropFilterKernel } from './conv2d-backprop-filter.ts';
import { conv2dBackpropInputKernel } from './conv2d-backprop-input.ts';
import { unsortedSegmentSumKernel } from './unsorted-segment-sum.ts';
import { batchMatMulKernel } from './batch-mat-mul.ts';
import { sumKernel } from './sum.ts';

const REPLACEMENT = Symbol.for('cgan-onnx.replacement-kernel');
const STOCK = Symbol.for('cgan-onnx.stock-kernels');

type Tagged = tf.KernelFunc & { [REPLACEMENT]?: true };
type Store = typeof globalThis & { [STOCK]?: Map<string, tf.KernelConfig> };

interface Replacement {
  /** `stock` is the kernel being replaced; wrappers (which fall back to it) are skipped without one. */
  make: (backend: string, stock: tf.KernelConfig | undefined) => tf.KernelConfig | undefined;
  why: string;
}

/** Kernels replaced on wasm, and why (for notes and docs). */
export const WASM_REPLACEMENTS: Record<string, Replacement> = {
  [tf.Conv2DBackpropFilter]: { make: conv2dBackpropFilterKernel, why: 'missing; one dilated conv2d' },
  [tf.Conv2DBackpropInput]: {
    make: conv2dBackpropInputKernel,
    why: 'stock is a scalar loop; stride^2 sub-pixel conv2d',
  },
  [tf.UnsortedSegmentSum]: { make: unsortedSegmentSumKernel, why: 'missing, needed by gather; one-hot matMul' },
  [tf.BatchMatMul]: {
    make: (b, stock) => stock && batchMatMulKernel(b, stock),
    why: 'transposed operands slow; explicit transpose',
  },
  [tf.Sum]: { make: (b, stock) => stock && sumKernel(b, stock), why: 'leading-axis sums slow; ones x matMul' },
};

/**
 * Kernels replaced on webgpu: none. It has every kernel training uses. The one candidate, the
 * filter gradient as one dilated conv2d (its stock kernel loops over batch x pixels per weight),
 * made a batch-2 generator step's kernels 1.6x slower and a critic step's 1.1x on SwiftShader
 * (bench/gpu/profile.ts, stock and candidate in one run, docs/gpu.md); a replacement that a real
 * GPU's profile justifies goes here, with a test against cpu.
 */
export const WEBGPU_REPLACEMENTS: Record<string, Replacement> = {};

const REPLACEMENTS: Record<string, Record<string, Replacement>> = {
  wasm: WASM_REPLACEMENTS,
  webgpu: WEBGPU_REPLACEMENTS,
};

function stockStore(): Map<string, tf.KernelConfig> {
  const g = globalThis as Store;
  return (g[STOCK] ??= new Map());
}

export function isReplacementKernel(kernelName: string, backendName: string): boolean {
  const k = tf.getKernel(kernelName, backendName);
  return k != null && (k.kernelFunc as Tagged)[REPLACEMENT] === true;
}

/** The kernel a replacement displaced (for benchmarks), if there was one. */
export function stockKernel(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  return stockStore().get(`${backendName}/${kernelName}`);
}

export interface RegisteredFixes {
  kernels: string[];
  gradients: string[];
}

/**
 * Register the replacement kernels for `backends` (default wasm; their tables above) and the zero
 * comparison gradients.
 * Returns what this call newly registered (empty lists when everything was already in place).
 */
export function registerTrainingFixes(backends: readonly string[] = ['wasm']): RegisteredFixes {
  const kernels: string[] = [];
  for (const backendName of backends) {
    for (const [kernelName, { make }] of Object.entries(REPLACEMENTS[backendName] ?? {})) {
      if (isReplacementKernel(kernelName, backendName)) continue;
      const existing = tf.getKernel(kernelName, backendName);
      if (existing != null) stockStore().set(`${backendName}/${kernelName}`, existing);
      const config = make(backendName, existing);
      if (config == null) continue;
      if (existing != null) tf.unregisterKernel(kernelName, backendName);
      (config.kernelFunc as Tagged)[REPLACEMENT] = true;
      tf.registerKernel(config);
      kernels.push(`${backendName}/${kernelName}`);
    }
  }
  return { kernels, gradients: registerComparisonGradients() };
}
