// Consumer check (b): the published types, under strict with module/moduleResolution nodenext.
import { Generator, renderGrid, writePng, type Images, type ModelInfo } from '@cgan-onnx/runtime';
import { noiseFromSeed, parseLabels } from '@cgan-onnx/runtime/core';

export async function draw(model: string, file: string): Promise<number> {
  const g: Generator = await Generator.load(model, { device: 'auto', fallback: true });
  const info: ModelInfo = g.info;
  const labels: number[] = parseLabels('0-9', info.numClasses);
  const images: Images = await g.generate({ labels, noise: noiseFromSeed(1, labels.length, info.zDim) });
  await writePng(file, renderGrid(images, { scale: 2 }));
  await g.dispose();
  return images.count;
}
