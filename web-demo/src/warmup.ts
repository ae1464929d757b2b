/**
 * Starts onnxruntime-web's own start-up on wasm (fetch and compile its 14 MB wasm, create its runtime)
 * while the model is still downloading, by opening a session on a 69-byte model. ORT does that
 * start-up on the first InferenceSession.create and shares it with every later one, and it has no
 * public call to do it alone. On a cold load this takes the wasm compile off the path from model
 * download to first image.
 */
import type * as Ort from 'onnxruntime-web';

/**
 * y = Identity(x), x: float32[1], opset 17, IR 8. Made with export/onnx-schema.ts's encodeModel;
 * warmup.test.ts checks it still opens in onnxruntime.
 */
export const WARMUP_MODEL_B64 =
  'CAgSABoAOjcKEAoBeBIBeSIISWRlbnRpdHkSAXdaDwoBeBIKCggIARIECgIIAWIPCgF5EgoKCAgBEgQKAggBQgQKABAR';

export function warmupModel(): Uint8Array {
  return Uint8Array.from(atob(WARMUP_MODEL_B64), (c) => c.charCodeAt(0));
}

/**
 * `env` settings must be the ones the real load will use: they are read once, at start-up.
 * Never throws: if this fails, the real load fails too and reports why.
 */
export async function warmUp(ort: typeof Ort, ep: 'wasm', wasmPaths: string, numThreads: number): Promise<void> {
  try {
    ort.env.wasm.wasmPaths = wasmPaths;
    ort.env.wasm.numThreads = numThreads;
    const s = await ort.InferenceSession.create(warmupModel(), { executionProviders: [ep] });
    await s.release();
  } catch {
    // reported by the real load
  }
}
