/**
 * The demo page: plain DOM and canvases over the runtime's browser entry (no UI framework: a
 * handful of inputs and three canvases do not need one, and the page stays a few KB).
 *
 * Tests and the benchmark drive it through `window.cgan` and `<html data-state>`.
 */
import './style.css';
import { Generator, drawToCanvas, noiseFromSeed, renderGrid, renderImage } from '@cgan-onnx/runtime/browser';
import type { Images } from '@cgan-onnx/runtime/browser';
import { chooseDevice, chooseThreads, importOrt, parseDeviceRequest, type DeviceChoice } from './backend.ts';
import { repeatNoise, slerpStrip } from './latent.ts';
import { warmUp } from './warmup.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const MAX_SEED = 0xffffffff;

const ui = {
  ep: $<HTMLSpanElement>('ep'),
  epWhy: $<HTMLSpanElement>('ep-why'),
  modelName: $<HTMLSpanElement>('model-name'),
  modelInfo: $<HTMLSpanElement>('model-info'),
  error: $<HTMLParagraphElement>('error'),
  cls: $<HTMLSelectElement>('class'),
  seed: $<HTMLInputElement>('seed'),
  seedB: $<HTMLInputElement>('seed-b'),
  steps: $<HTMLInputElement>('steps'),
  random: $<HTMLButtonElement>('random'),
  randomB: $<HTMLButtonElement>('random-b'),
  device: $<HTMLSelectElement>('device'),
  download: $<HTMLButtonElement>('download'),
  single: $<HTMLCanvasElement>('single'),
  grid: $<HTMLCanvasElement>('grid'),
  strip: $<HTMLCanvasElement>('strip'),
  timing: $<HTMLParagraphElement>('timing'),
  drop: $<HTMLElement>('drop'),
  file: $<HTMLInputElement>('file'),
};

type State = 'loading' | 'ready' | 'busy' | 'error';
const setState = (s: State) => {
  document.documentElement.dataset.state = s;
};

let gen: Generator | null = null;
let modelLabel = '';
let choice: DeviceChoice;
let renders = 0;
let lastGrid: Images | null = null;
let lastGridKey = '';
/** Bumped per loaded model, so a cached grid is never reused across models. */
let modelSerial = 0;

function showError(msg: string | null): void {
  ui.error.hidden = msg === null;
  ui.error.textContent = msg ?? '';
}

function readSeed(input: HTMLInputElement): number {
  const v = Number(input.value);
  if (!Number.isInteger(v) || v < 0 || v > MAX_SEED)
    throw new Error(`Seed must be a whole number from 0 to ${MAX_SEED}; got "${input.value}".`);
  return v;
}

function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

/** Draws everything for the current inputs. Coalesces: a change during a run triggers one more run. */
let running: Promise<void> | null = null;
let again = false;
function refresh(): Promise<void> {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    do {
      again = false;
      try {
        await draw();
      } catch (e) {
        showError((e as Error).message);
      }
    } while (again);
    running = null;
    setState(gen ? 'ready' : 'error');
  })();
  return running;
}

async function draw(): Promise<void> {
  if (!gen) return;
  setState('busy');
  const { numClasses, zDim, classNames } = gen.info;
  const seed = readSeed(ui.seed);
  const seedB = readSeed(ui.seedB);
  const cls = Number(ui.cls.value);
  const steps = Math.min(16, Math.max(2, Math.round(Number(ui.steps.value)) || 8));
  showError(null);

  // The grid depends only on the model and seed; a class or strip change reuses it (WebGPU on a
  // software adapter takes ~0.5 s per image).
  const z = noiseFromSeed(seed, 1, zDim);
  const gridKey = `${modelSerial}:${seed}`;
  const gridFresh = gridKey !== lastGridKey || !lastGrid;
  if (gridFresh) {
    const labels = Array.from({ length: numClasses }, (_, i) => i);
    lastGrid = await gen.generate({ labels, noise: repeatNoise(z, numClasses) });
    lastGridKey = gridKey;
    const cols = numClasses > 5 ? Math.ceil(numClasses / 2) : numClasses;
    drawToCanvas(ui.grid, renderGrid(lastGrid, { cols, pad: 2, scale: 4 }));
    $('grid-seed').textContent = String(seed);
  }
  const grid = lastGrid as Images;
  drawToCanvas(ui.single, renderImage(grid, cls));
  $('figures').hidden = false;
  if (!performance.getEntriesByName('cgan:first-image').length) performance.mark('cgan:first-image');
  $('single-seed').textContent = String(seed);
  const clsLabel =
    classNames[cls] === undefined || classNames[cls] === String(cls) ? String(cls) : `${cls} (${classNames[cls]})`;
  $('single-label').textContent = clsLabel;

  const zb = noiseFromSeed(seedB, 1, zDim);
  const strip = await gen.generate({ labels: new Array<number>(steps).fill(cls), noise: slerpStrip(z, zb, steps) });
  drawToCanvas(ui.strip, renderGrid(strip, { cols: steps, pad: 2, scale: 4 }));
  $('strip-figure').hidden = false;
  $('strip-label').textContent = clsLabel;
  $('strip-a').textContent = String(seed);
  $('strip-b').textContent = String(seedB);

  const parts = [`${strip.count} strip images in ${strip.ms.toFixed(1)} ms`];
  if (gridFresh) parts.unshift(`${grid.count} grid images in ${grid.ms.toFixed(1)} ms`);
  ui.timing.textContent = `Generated ${parts.join(' and ')} on ${strip.device}.`;
  ui.download.disabled = false;
  renders++;
  document.documentElement.dataset.renders = String(renders);
}

function fillClassPicker(names: string[]): void {
  // ?class= takes a class name or an index, as `cgan generate --labels` does.
  const asked = params.get('class') ?? '0';
  const prev = ui.cls.value === '' ? (names.includes(asked) ? String(names.indexOf(asked)) : asked) : ui.cls.value;
  ui.cls.replaceChildren(...names.map((n, i) => new Option(n === String(i) ? n : `${i}: ${n}`, String(i))));
  ui.cls.value = Number.isInteger(Number(prev)) && Number(prev) >= 0 && Number(prev) < names.length ? prev : '0';
}

/** Loads a model from bytes; on failure keeps the previous model and explains on the page. */
async function useModel(bytes: ArrayBuffer, label: string): Promise<void> {
  setState('loading');
  showError(null);
  ui.modelName.textContent = `loading ${label}…`;
  try {
    const ort = await importOrt(choice.device);
    const threads = chooseThreads(params.get('threads'));
    const next = await Generator.load(bytes, {
      device: choice.device,
      fallback: true,
      ort,
      wasmPaths: new URL('ort/', location.href).href,
      numThreads: threads.threads,
      // WebCrypto exists only in secure contexts: a demo shared over http on a LAN address skips
      // the weights check here (the server checked the model it serves at start-up).
      verify: globalThis.isSecureContext,
    });
    performance.mark('cgan:session-ready');
    await gen?.dispose();
    gen = next;
    modelSerial++;
    modelLabel = label;
    const fb = next.fallback ? ` (fell back from ${next.fallback.from}: ${next.fallback.reason})` : '';
    ui.ep.textContent = next.device;
    ui.ep.dataset.ep = next.device;
    ui.epWhy.textContent = `— ${choice.why}${fb}` + (next.device === 'wasm' ? `; ${threads.why}` : '');
    const i = next.info;
    ui.modelName.textContent = label;
    ui.modelInfo.textContent =
      `(${i.numClasses} classes, z ${i.zDim}, ${i.imageSize}×${i.imageSize}, ${i.precision}` +
      `${i.step !== null ? `, step ${i.step}` : ''}${i.dataset ? `, ${i.dataset}` : ''}, ` +
      `weights ${i.weightsHash.slice(0, 12)})`;
    fillClassPicker(i.classNames);
    await refresh();
  } catch (e) {
    ui.modelName.textContent = gen ? modelLabel : 'none';
    showError(`Could not load ${label}: ${(e as Error).message}`);
    setState(gen ? 'ready' : 'error');
  }
}

type Fetched = { ok: true; bytes: ArrayBuffer; name: string } | { ok: false; message: string };

async function fetchDefaultModel(): Promise<Fetched> {
  let res: Response;
  try {
    res = await fetch('./model.onnx');
  } catch (e) {
    return { ok: false, message: `Could not reach the demo server for the model: ${(e as Error).message}` };
  }
  if (!res.ok) {
    const text = (await res.text()).trim();
    return { ok: false, message: text || `The server answered ${res.status} for model.onnx.` };
  }
  const name = decodeURIComponent(res.headers.get('X-Model-Name') ?? 'model.onnx');
  const bytes = await res.arrayBuffer();
  performance.mark('cgan:model-fetched');
  return { ok: true, bytes, name };
}

async function loadFile(file: File): Promise<void> {
  await useModel(await file.arrayBuffer(), `${file.name} (your file)`);
}

function wire(): void {
  ui.cls.addEventListener('change', () => void refresh());
  ui.seed.addEventListener('change', () => void refresh());
  ui.seedB.addEventListener('change', () => void refresh());
  ui.steps.addEventListener('change', () => void refresh());
  ui.random.addEventListener('click', () => {
    ui.seed.value = String(randomSeed());
    void refresh();
  });
  ui.randomB.addEventListener('click', () => {
    ui.seedB.value = String(randomSeed());
    void refresh();
  });
  ui.device.value = parseDeviceRequest(params.get('device'));
  ui.device.addEventListener('change', () => {
    // Each device uses its own onnxruntime-web build, so switching reloads the page.
    const p = new URLSearchParams(location.search);
    p.set('device', ui.device.value);
    location.search = p.toString();
  });
  ui.download.addEventListener('click', () => {
    ui.grid.toBlob((blob) => {
      if (!blob) return;
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `cgan-seed${ui.seed.value}.png`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    }, 'image/png');
  });
  ui.file.addEventListener('change', () => {
    const f = ui.file.files?.[0];
    if (f) void loadFile(f);
    ui.file.value = '';
  });
  // The whole window is a drop target; the dashed box only shows where.
  window.addEventListener('dragover', (e) => {
    e.preventDefault();
    ui.drop.classList.add('over');
  });
  window.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    ui.drop.classList.remove('over');
    const f = e.dataTransfer?.files[0];
    if (f) void loadFile(f);
  });
}

/** For tests and the benchmark: the page's generator, without the UI. */
const api = {
  get device() {
    return gen?.device ?? null;
  },
  get info() {
    return gen?.info ?? null;
  },
  get lastGrid() {
    return lastGrid ? Array.from(lastGrid.data) : null;
  },
  firstImageMs: () => performance.getEntriesByName('cgan:first-image')[0]?.startTime ?? null,
  /** ms since navigation start of each start-up step (first occurrence). */
  marks: () =>
    Object.fromEntries(
      performance
        .getEntriesByType('mark')
        .filter((m) => m.name.startsWith('cgan:'))
        .reverse()
        .map((m) => [m.name.slice(5), Math.round(m.startTime)]),
    ),
  async generate(labels: number[], seed: number): Promise<number[]> {
    if (!gen) throw new Error('No model loaded');
    return Array.from((await gen.generate({ labels, seed })).data);
  },
};
(window as unknown as { cgan: typeof api }).cgan = api;

async function start(): Promise<void> {
  performance.mark('cgan:script-start');
  const seedParam = params.get('seed');
  if (seedParam !== null) ui.seed.value = seedParam;
  wire();
  // The model download, the WebGPU probe and the ORT import overlap: together they are most of the
  // time to the first image.
  const model = fetchDefaultModel();
  choice = await chooseDevice(parseDeviceRequest(params.get('device')));
  performance.mark('cgan:device-chosen');
  const wasmPaths = new URL('ort/', location.href).href;
  // wasm only: a warm-up session on the WebGPU EP, overlapping the real one, hung the page's session
  // creation in headless Chromium (SwiftShader); WebGPU's start-up is dominated by the adapter anyway.
  if (choice.device === 'wasm' && params.get('warmup') !== '0') {
    void warmUp(await importOrt('wasm'), 'wasm', wasmPaths, chooseThreads(params.get('threads')).threads);
  }
  ui.ep.textContent = choice.device;
  ui.epWhy.textContent = `— ${choice.why}`;
  const m = await model;
  if (!m.ok) {
    ui.modelName.textContent = 'none';
    showError(m.message);
    setState('error');
    return;
  }
  await useModel(m.bytes, `${m.name} (served by the demo)`);
}

start().catch((e: Error) => {
  showError(e.message);
  setState('error');
});
