// Consumer check (a): a Node service's ESM script, importing the runtime by its package name.
// Usage: node node-generate.mjs MODEL.onnx OUT.json -> {device, data} for labels 0-9, seed 42.
import { writeFileSync } from 'node:fs';
import { Generator } from '@cgan-onnx/runtime';

const [model, out] = process.argv.slice(2);
const g = await Generator.load(model, { device: 'cpu' });
const images = await g.generate({ labels: '0-9', seed: 42 });
writeFileSync(out, JSON.stringify({ device: g.device, count: images.count, data: Array.from(images.data) }));
await g.dispose();
