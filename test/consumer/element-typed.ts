// Consumer check (b) for the element: its bundled types, with only @cgan-onnx/element installed (no
// runtime, no Node types), under strict + nodenext. Each line after a `@ts-expect-error` must fail to
// compile: if the types go missing or turn into `any`, the directive is unused and tsc fails.
import { CganGeneratorElement, type Device, type Images, type ReadyDetail, type RunsOn } from '@cgan-onnx/element';

const el: CganGeneratorElement = document.createElement('cgan-generator');
const found: CganGeneratorElement | null = document.querySelector('cgan-generator');
CganGeneratorElement.wasmPaths = '/static/ort/';
el.setAttribute('labels', '3,3,7');
el.addEventListener('ready', (e) => {
  const d: ReadyDetail = e.detail;
  const classes: number = e.detail.info.numClasses;
  console.log(d.device, classes);
});
el.addEventListener('render', (e) => console.log(e.detail.count, e.detail.labels[0]));
el.addEventListener('error', (e) => console.log(e.detail.message));
el.addEventListener('click', (e) => console.log(e.clientX)); // HTMLElement's own events keep their types

export async function draw(): Promise<number> {
  const images: Images = await el.generate();
  const device: RunsOn | null = el.device;
  const png: Blob = await el.toBlob();
  return images.count + png.size + (device ? 1 : 0) + (found ? 1 : 0);
}

// @ts-expect-error wasmPaths is a string: the URL of the folder with onnxruntime-web's files
CganGeneratorElement.wasmPaths = 42;
// @ts-expect-error images is read-only: the images generate() last drew
el.images = null;
// @ts-expect-error the device attribute takes the device table's names
const tpu: Device = 'tpu';
el.addEventListener('ready', (e) => {
  // @ts-expect-error ready's detail is { device, info }
  console.log(e.detail.labels, tpu);
});
// @ts-expect-error generate() takes no arguments: it reads the attributes
await el.generate({ labels: '3' });
