/**
 * `<cgan-generator src="model.onnx" labels="0-9" seed="42">` (labels: class names or indices; left
 * out, every class): draws a cgan-onnx generator's images, gray or RGB,
 * into a canvas, with the runtime's browser entry (onnxruntime-web: WebGPU when the browser has an
 * adapter, else wasm, threaded only when the page is cross-origin isolated).
 *
 * Built (build.ts) into one ES module, dist/cgan-generator.js, with onnxruntime-web bundled;
 * its wasm files sit beside the module and are found from the module's own URL, so a plain page
 * needs one `<script type="module">` and no bundler, CDN or COOP/COEP headers. Its declarations,
 * dist/cgan-generator.d.ts, are this file's exports with the runtime types they use inlined.
 *
 * Events: `progress` (model bytes arriving; detail: { loaded, total, url, cached }), `ready` (model
 * loaded; detail: device, model info), `render` (images drawn; detail: the images), `error` (detail:
 * the Error; its message also shows in the element). A model downloaded once is kept in the Cache
 * API and loads from there next time (the runtime's `cache` option).
 */
import {
  Generator,
  drawToCanvas,
  renderGrid,
  type Device,
  type Images,
  type LoadProgress,
  type ModelDtype,
  type ModelInfo,
  type RunsOn,
} from '@cgan-onnx/runtime/browser';
import { OBSERVED, readSettings, type ElementSettings, type ObservedAttribute } from './attributes.ts';

// Every type the element's API names, for a page to import with only this package installed
// (the .d.ts inlines the runtime's).
export type { Device, ElementSettings, Images, LoadProgress, ModelDtype, ModelInfo, ObservedAttribute, RunsOn };

export interface ReadyDetail {
  /** What runs the model: 'webgpu' or 'wasm' (or 'remote' for a v2 server URL). */
  device: RunsOn;
  info: ModelInfo;
}

/** Each event the element dispatches and its `detail`: the one list that `emit` and the event map read. */
export interface CganGeneratorEventDetails {
  progress: LoadProgress;
  ready: ReadyDetail;
  render: Images;
  error: Error;
}

/**
 * What `addEventListener` hands each listener, by event name. The element's `error` (a CustomEvent
 * holding the Error) replaces HTMLElement's own (an ErrorEvent), which it never fires.
 */
export type CganGeneratorEventMap = Omit<HTMLElementEventMap, keyof CganGeneratorEventDetails> & {
  [K in keyof CganGeneratorEventDetails]: CustomEvent<CganGeneratorEventDetails[K]>;
};

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below adds only listener overloads.
export class CganGeneratorElement extends HTMLElement {
  static observedAttributes: ObservedAttribute[] = [...OBSERVED];
  /**
   * Where onnxruntime-web's .wasm/.mjs files are: beside this module unless a page sets it (before
   * the first element loads a model), e.g. to serve them from another folder.
   */
  static wasmPaths: string = new URL('./', import.meta.url).href;

  private readonly canvas: HTMLCanvasElement;
  private readonly message: HTMLElement;
  private generator: Generator | null = null;
  private loadedKey = '';
  private last: Images | null = null;
  private pending: Promise<Images | null> | null = null;
  private queued = false;
  /** Aborts the model load in flight when src, device or dtype change or the element leaves the page. */
  private loading: AbortController | null = null;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML =
      '<style>:host{display:inline-block}canvas{image-rendering:pixelated;width:100%;display:block}' +
      'p{color:#b00020;font:13px system-ui,sans-serif;margin:4px 0}</style><canvas part="canvas"></canvas>' +
      '<p part="error" hidden></p>';
    this.canvas = root.querySelector('canvas') as HTMLCanvasElement;
    this.message = root.querySelector('p') as HTMLElement;
  }

  connectedCallback(): void {
    this.schedule();
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (old !== value && (name === 'src' || name === 'device' || name === 'dtype')) this.loading?.abort();
    if (this.isConnected) this.schedule();
  }

  disconnectedCallback(): void {
    this.loading?.abort();
    void this.generator?.dispose();
    this.generator = null;
    this.loadedKey = '';
  }

  /** The execution provider in use, once loaded. */
  get device(): RunsOn | null {
    return this.generator?.device ?? null;
  }

  /** The loaded model's description, once loaded. */
  get info(): ModelInfo | null {
    return this.generator?.info ?? null;
  }

  /** The images last drawn (float32 NCHW in [-1, 1], with labels and noise), or null. */
  get images(): Images | null {
    return this.last;
  }

  /** The drawn grid as a PNG. */
  toBlob(): Promise<Blob> {
    return new Promise((resolve, reject) =>
      this.canvas.toBlob(
        (b) => (b ? resolve(b) : reject(new Error('<cgan-generator>: nothing drawn yet'))),
        'image/png',
      ),
    );
  }

  /** Loads (if needed) and draws for the current attributes; resolves to the images drawn. */
  async generate(): Promise<Images> {
    const s = readSettings((n) => this.getAttribute(n));
    if (!s.src) throw new Error('<cgan-generator> has no src: set src="model.onnx" (a URL of an exported generator)');
    const key = `${s.src}\n${s.device}\n${s.dtype}`;
    if (!this.generator || key !== this.loadedKey) {
      await this.generator?.dispose();
      this.generator = null;
      const src = new URL(s.src, document.baseURI);
      const loading = new AbortController();
      this.loading = loading;
      try {
        this.generator = await Generator.load(src, {
          device: s.device,
          fallback: s.device === 'auto',
          dtype: s.dtype ?? undefined,
          wasmPaths: CganGeneratorElement.wasmPaths,
          signal: loading.signal,
          onProgress: (p) => this.emit('progress', p),
        });
      } finally {
        if (this.loading === loading) this.loading = null;
      }
      this.loadedKey = key;
      this.emit('ready', { device: this.generator.device, info: this.generator.info });
    }
    const spec = s.labels ?? `0-${this.generator.info.numClasses - 1}`;
    let chosen: number[];
    try {
      chosen = this.generator.labels(spec);
    } catch (e) {
      throw new Error(`<cgan-generator> labels="${spec}": ${(e as Error).message}`);
    }
    const labels = chosen.flatMap((l) => Array<number>(s.count).fill(l));
    const images = await this.generator.generate({ labels, seed: s.seed });
    this.draw(images, s);
    this.last = images;
    this.emit('render', images);
    return images;
  }

  private draw(images: Images, s: ElementSettings): void {
    const cols = s.cols ?? (s.count > 1 ? s.count : undefined);
    drawToCanvas(this.canvas, renderGrid(images, { cols, scale: s.scale }));
    this.message.hidden = true;
  }

  /** Coalesces attribute changes made together into one generate(). */
  private schedule(): void {
    if (this.pending) {
      this.queued = true;
      return;
    }
    this.pending = Promise.resolve()
      .then(() => (this.getAttribute('src') ? this.generate() : null))
      .catch((e: unknown) => {
        // A load replaced by a newer src/device/dtype (or a removed element) is no error: the next one runs.
        if (e instanceof DOMException && e.name === 'AbortError') return null;
        const err = e instanceof Error ? e : new Error(String(e));
        this.message.textContent = err.message;
        this.message.hidden = false;
        this.emit('error', err);
        return null;
      })
      .finally(() => {
        this.pending = null;
        if (this.queued) {
          this.queued = false;
          this.schedule();
        }
      });
  }

  private emit<K extends keyof CganGeneratorEventDetails>(type: K, detail: CganGeneratorEventDetails[K]): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

// Types only, no code: the listener overloads that make `el.addEventListener('ready', (e) => e.detail.device)`
// typed, as lib.dom types HTMLVideoElement's events. A class cannot redeclare inherited methods without
// implementing them; an interface of the same name adds the overloads and leaves HTMLElement's methods
// as they are at run time.
export interface CganGeneratorElement {
  addEventListener<K extends keyof CganGeneratorEventMap>(
    type: K,
    listener: (this: CganGeneratorElement, ev: CganGeneratorEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof CganGeneratorEventMap>(
    type: K,
    listener: (this: CganGeneratorElement, ev: CganGeneratorEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | EventListenerOptions,
  ): void;
}

if (!customElements.get('cgan-generator')) customElements.define('cgan-generator', CganGeneratorElement);

declare global {
  interface HTMLElementTagNameMap {
    'cgan-generator': CganGeneratorElement;
  }
}
