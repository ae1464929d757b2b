// Consumer check (f): a CommonJS TypeScript file requiring the (ESM) package: module nodenext.
import { Generator } from '@cgan-onnx/runtime';

export async function count(model: string): Promise<number> {
  const g = await Generator.load(model, { spinning: false });
  return (await g.generate({ labels: [1], seed: 1 })).count;
}
