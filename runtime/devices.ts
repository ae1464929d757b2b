/**
 * Device names -> onnxruntime execution providers, per platform (as transformers.js does: one
 * table, so the CLI, the demo and the docs agree on what each name means).
 */
export type Device = 'auto' | 'cpu' | 'cuda' | 'webgpu' | 'wasm';
export type ExecutionProvider = 'cpu' | 'cuda' | 'webgpu' | 'wasm';
export type Platform = 'node' | 'browser';
/** Where a generator runs: an execution provider here, or a server (runtime/remote.ts). */
export type RunsOn = ExecutionProvider | 'remote';

export const DEVICES: Record<Platform, Partial<Record<Exclude<Device, 'auto'>, ExecutionProvider>>> = {
  node: { cpu: 'cpu', cuda: 'cuda', webgpu: 'webgpu' },
  // onnxruntime-web has no "cpu" EP; its CPU path is wasm.
  browser: { webgpu: 'webgpu', wasm: 'wasm', cpu: 'wasm' },
};

/**
 * What `auto` tries, in order. Node leaves webgpu out: without a real GPU its Vulkan adapter is a
 * software one, far slower than the cpu EP.
 */
export const AUTO_ORDER: Record<Platform, ExecutionProvider[]> = {
  node: ['cuda', 'cpu'],
  browser: ['webgpu', 'wasm'],
};

/** Where an opted-in fallback lands. */
export const FALLBACK: Record<Platform, ExecutionProvider> = { node: 'cpu', browser: 'wasm' };

export function deviceNames(platform: Platform): string[] {
  return ['auto', ...Object.keys(DEVICES[platform])];
}

/** The execution providers to try, in order, for a device request. */
export function candidates(platform: Platform, device: Device, fallback: boolean): ExecutionProvider[] {
  if (device === 'auto') return AUTO_ORDER[platform];
  const ep = DEVICES[platform][device as Exclude<Device, 'auto'>];
  if (!ep) {
    throw new Error(
      `device "${device}" does not exist in ${platform === 'node' ? 'Node' : 'the browser'}; use one of: ` +
        `${deviceNames(platform).join(', ')}`,
    );
  }
  return fallback && ep !== FALLBACK[platform] ? [ep, FALLBACK[platform]] : [ep];
}
