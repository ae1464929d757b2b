// Consumer check (f): moduleResolution bundler with no platform condition gets the API both entries
// share (dist/portable.d.ts), never the browser's typings; it compiles without DOM types.
import { Generator, renderGrid, type LoadProgress } from '@cgan-onnx/runtime';

export async function draw(url: string): Promise<number> {
  const g = await Generator.load(new URL(url), {
    dtype: 'fp16',
    onProgress: (p: LoadProgress) => console.log(p.loaded, p.total),
    signal: AbortSignal.timeout(10_000),
  });
  const images = await g.generate({ labels: '0-9', seed: 1 });
  await g.dispose();
  return renderGrid(images).width;
}
