/**
 * The types of `@cgan-onnx/runtime` for a type checker that picks no platform: TypeScript's
 * moduleResolution "bundler" without `customConditions` matches neither the `node` nor the `browser`
 * condition, and a Node program compiled that way must not get the browser's typings (nor a page the
 * Node ones, with their Buffer and @types/node). So it gets the API both entries share, which is
 * true on either; `customConditions: ["node"]` (or `["browser"]`), or the `/node` and `/browser`
 * subpaths, give one platform's additions (writePng, readNoiseFile; toImageData, toBlob, `cache`).
 *
 * Types only: the exports map never sends code here (Node runs node.js, everything else browser.js).
 * Checked without Node's types by tsconfig.core.json.
 */
import { GeneratorBase, type LoadOptions } from './generator.ts';

export * from './shared.ts';

/** A path (Node), a URL (http(s); file: in Node), or the model's bytes. */
export type ModelSource = string | URL | ArrayBuffer | Uint8Array;

/** The load options both platforms take. */
export interface PortableLoadOptions extends LoadOptions {
  /** Threads: onnxruntime-node's intra-op threads, or onnxruntime-web's wasm threads. */
  numThreads?: number;
}

/** The generator class of whichever entry runs (node.ts or browser.ts): both have this API. */
export declare class Generator extends GeneratorBase {
  static load(src: ModelSource, opts?: PortableLoadOptions): Promise<Generator>;
}
