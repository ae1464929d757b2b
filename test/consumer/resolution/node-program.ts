// Consumer check (f): a Node program using the Node entry's own API (writePng, `spinning`) through
// the bare package name: node16, nodenext, and bundler with customConditions ["node"] must type it.
import { Generator, writePng, type Images } from '@cgan-onnx/runtime';

export async function draw(model: string): Promise<number> {
  const g = await Generator.load(model, { device: 'cpu', dtype: 'fp16', spinning: false });
  const images: Images = await g.generate({ labels: '0-9', seed: 1, signal: AbortSignal.timeout(5000) });
  await writePng('grid.png', images, { scale: 2 });
  await g.dispose();
  return images.count;
}
