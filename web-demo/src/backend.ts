/**
 * Which execution provider the page uses, and why, in words for the page.
 *
 * The page loads one of two onnxruntime-web builds: `onnxruntime-web/webgpu` (native WebGPU EP) when
 * there is an adapter, else `onnxruntime-web/wasm`, whose 50 KB of JS and 14 MB of wasm start faster
 * than the JSEP build's 368 KB and 28 MB.
 */
import { DEVICES } from '@cgan-onnx/runtime/core';
import * as ortWasm from 'onnxruntime-web/wasm';
export type PageDevice = 'webgpu' | 'wasm';
export type DeviceRequest = 'auto' | PageDevice;

export interface DeviceChoice {
  device: PageDevice;
  /** One sentence: why this device. */
  why: string;
}

export interface ThreadChoice {
  threads: number;
  why: string;
}

export function parseDeviceRequest(v: string | null): DeviceRequest {
  // The runtime's device table, browser column (so ?device=cpu means wasm here, as in the runtime).
  const ep = v === null ? undefined : DEVICES.browser[v as keyof typeof DEVICES.browser];
  return ep === 'webgpu' || ep === 'wasm' ? ep : 'auto';
}

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

async function probeWebGpu(): Promise<{ ok: true; label: string } | { ok: false; reason: string }> {
  // Own minimal shape: whether WebGPU's types are loaded (and how old they are) depends on the build.
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: AdapterInfoLike } | null> } }).gpu;
  if (!gpu) return { ok: false, reason: 'this browser has no WebGPU (navigator.gpu is missing)' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter)
      return { ok: false, reason: 'navigator.gpu gave no adapter (WebGPU is disabled or there is no usable GPU)' };
    const info = adapter.info ?? {};
    const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unnamed';
    return { ok: true, label: `adapter "${name}"${info.isFallbackAdapter ? ', a software fallback adapter' : ''}` };
  } catch (e) {
    return { ok: false, reason: `navigator.gpu.requestAdapter() failed: ${(e as Error).message}` };
  }
}

export async function chooseDevice(req: DeviceRequest): Promise<DeviceChoice> {
  if (req === 'wasm') return { device: 'wasm', why: 'chosen on the page (device=wasm)' };
  const probe = await probeWebGpu();
  if (probe.ok) {
    return {
      device: 'webgpu',
      why:
        req === 'webgpu'
          ? `chosen on the page; navigator.gpu gave an ${probe.label}`
          : `navigator.gpu gave an ${probe.label}`,
    };
  }
  return { device: 'wasm', why: req === 'webgpu' ? `WebGPU was asked for, but ${probe.reason}` : probe.reason };
}

/**
 * Wasm threads need SharedArrayBuffer, which needs cross-origin isolation (the demo server sends
 * COOP/COEP). The count follows onnxruntime-web's own default (half the cores, at most 4), leaving a
 * core for the page.
 */
export function chooseThreads(override: string | null): ThreadChoice {
  const cores = navigator.hardwareConcurrency || 1;
  if (!globalThis.crossOriginIsolated)
    return { threads: 1, why: 'single-threaded: the page is not cross-origin isolated (no COOP/COEP headers)' };
  const asked = override === null ? NaN : Number(override);
  if (Number.isInteger(asked) && asked >= 1)
    return { threads: asked, why: `${asked} thread(s), set by threads=${asked}` };
  const threads = Math.min(4, Math.ceil(cores / 2));
  return { threads, why: `${threads} thread(s): cross-origin isolated, ${cores} logical core(s)` };
}

/**
 * The onnxruntime-web build for a device. The wasm build is in the page's main chunk (it is also
 * what runtime/browser.ts's default resolves to, see vite.config.ts); the WebGPU build is a lazy
 * chunk, fetched only when there is an adapter.
 */
export async function importOrt(device: PageDevice): Promise<typeof ortWasm> {
  return device === 'webgpu' ? await import('onnxruntime-web/webgpu') : ortWasm;
}
