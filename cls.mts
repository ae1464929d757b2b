import { Generator, noiseFromSeed, renderGrid, writePng } from './runtime/node.ts';
const [model, out] = process.argv.slice(2);
const g = await Generator.load(model, { device: 'cpu' });
const n = 8,
  C = g.info.numClasses,
  z = noiseFromSeed(5, n, g.info.zDim);
const noise = new Float32Array(C * n * g.info.zDim);
const labels: number[] = [];
for (let c = 0; c < C; c++) {
  noise.set(z, c * n * g.info.zDim);
  for (let i = 0; i < n; i++) labels.push(c);
}
const img = await g.generate({ labels, noise });
await writePng(out, renderGrid(img, { cols: n, scale: 3 }));
// mean abs difference between class rows for the same noise
let d = 0;
const per = img.data.length / (C * n);
for (let i = 0; i < n * per; i++) d += Math.abs(img.data[i] - img.data[n * per + i]);
console.log('mean |class0 - class1| =', (d / (n * per)).toFixed(4));
