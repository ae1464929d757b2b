// Consumer check (c): the bundler picks the runtime's browser entry (onnxruntime-web).
import { Generator, drawToCanvas, renderGrid } from '@cgan-onnx/runtime';

const state = (s: string) => {
  document.documentElement.dataset.state = s;
};
try {
  const g = await Generator.load(new URL('./model.onnx', location.href), { device: 'wasm' });
  const images = await g.generate({ labels: '7', seed: 42 });
  drawToCanvas(document.getElementById('out') as HTMLCanvasElement, renderGrid(images, { scale: 4 }));
  Object.assign(window, { result: { device: g.device, data: Array.from(images.data) } });
  state('ready');
} catch (e) {
  Object.assign(window, { result: { error: (e as Error).message } });
  state('error');
}
