// Consumer check (f): a page's code, with no Node types (`types: []`) and the shipped .d.ts checked
// (skipLibCheck off): the browser entry's API (cache, toBlob) and the bare name's shared API.
import { renderGrid } from '@cgan-onnx/runtime';
import { Generator, clearModelCache, toBlob, toImageData } from '@cgan-onnx/runtime/browser';

export async function draw(canvas: HTMLCanvasElement): Promise<Blob> {
  const g = await Generator.load('/m.onnx', { device: 'auto', cache: true, wasmPaths: '/ort/' });
  const images = await g.generate({ labels: '0-9', seed: 1 });
  canvas.width = renderGrid(images).width;
  canvas.getContext('2d')?.putImageData(toImageData(images), 0, 0);
  await clearModelCache('/m.onnx');
  return toBlob(images, { scale: 2 });
}
