/**
 * What the load-time weights check costs: Generator.load of the shipped model with and without
 * `verify`, alternated, median of N each, plus the check alone. Prints figures; asserts nothing.
 *
 *   node --import tsx bench/verify-cost.ts [model.onnx] [N]
 */
import { readFileSync } from 'node:fs';
import { Generator } from '../runtime/node.ts';
import { readModel } from '../runtime/model-info.ts';
import { verifyWeights } from '../runtime/weights-hash.ts';

const file = process.argv[2] ?? 'models/mnist-cwgan.onnx';
const n = Number(process.argv[3] ?? 15);
const bytes = new Uint8Array(readFileSync(file));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const times = { verify: [] as number[], noVerify: [] as number[], checkOnly: [] as number[] };
for (let i = 0; i < n + 2; i++) {
  for (const verify of [true, false]) {
    const t0 = performance.now();
    const g = await Generator.load(bytes, { device: 'cpu', verify });
    const ms = performance.now() - t0;
    await g.dispose();
    if (i >= 2) (verify ? times.verify : times.noVerify).push(ms); // the first two rounds warm up
  }
  const t0 = performance.now();
  await verifyWeights(readModel(bytes, file), file);
  if (i >= 2) times.checkOnly.push(performance.now() - t0);
}
const [v, nv, c] = [median(times.verify), median(times.noVerify), median(times.checkOnly)];
console.log(`${file} (${(bytes.length / 1e6).toFixed(2)} MB), median of ${n} loads each, device cpu`);
console.log(`load, verify on:    ${v.toFixed(1)} ms`);
console.log(`load, --no-verify:  ${nv.toFixed(1)} ms`);
console.log(`the check alone:    ${c.toFixed(1)} ms  (load with it / without it: ${(v / nv).toFixed(2)}x)`);
