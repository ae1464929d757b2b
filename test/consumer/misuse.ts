// Must NOT type-check: proves the types are real (a `labels` number and an unknown device).
import { Generator } from '@cgan-onnx/runtime';

const g = await Generator.load('m.onnx', { device: 'tpu' });
await g.generate({ labels: 3, seed: 1 });
