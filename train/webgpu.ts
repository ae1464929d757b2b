/**
 * WebGPU in Node for tfjs-backend-webgpu: the npm package `webgpu` (Dawn) provides navigator.gpu.
 *
 * tfjs-backend-webgpu expects a browser: it reads navigator.gpu and the GPU* classes from the
 * global scope, so Dawn's are installed there before the backend module is imported. On Linux Dawn
 * runs over Vulkan, so it also needs the Vulkan loader (libvulkan.so.1) and a Vulkan driver (an ICD
 * file naming the GPU vendor's library); without either it finds no adapter and says so only on
 * stderr. `vulkanFiles()` looks for both so the error can name the missing one.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { vulkanFiles } from './vulkan.ts';

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software or otherwise "fallback" adapter (SwiftShader, lavapipe): correct, CPU speed. */
  isFallback: boolean;
}

export type WebGpuProbe = { ok: true; adapter: AdapterInfo } | { ok: false; missing: string; fix: string };

/** Software Vulkan drivers: they work, at CPU speed, so `auto` must not take them for a GPU. */
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|software/i;

export const VULKAN_HELP =
  "install the Vulkan loader and your GPU's Vulkan driver (Debian/Ubuntu: `apt-get install libvulkan1` plus " +
  "`mesa-vulkan-drivers` for AMD/Intel, or the NVIDIA driver, which ships its own ICD); with neither, Debian's " +
  'Chromium package carries a software one (SwiftShader, CPU speed): ' +
  'LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json';

export { type VulkanFiles, vulkanFiles } from './vulkan.ts';

type GpuGlobal = typeof globalThis & { navigator?: { gpu?: GPU } };
const FLATTENED = Symbol.for('cgan-onnx.requestDevice-flattened');

/**
 * tfjs-backend-webgpu 4.22 asks for `requiredFeatures: ['timestamp-query', ['bgra8unorm-storage']]`
 * (it pushes an array into the list); Dawn rejects the nested entry, so the list is flattened.
 */
function flattenRequiredFeatures(adapterClass: { prototype: GPUAdapter } | undefined): void {
  const proto = adapterClass?.prototype as (GPUAdapter & { [FLATTENED]?: true }) | undefined;
  if (!proto || proto[FLATTENED]) return;
  const original = proto.requestDevice;
  proto.requestDevice = function (this: GPUAdapter, desc?: GPUDeviceDescriptor) {
    const features = desc?.requiredFeatures as unknown[] | undefined;
    const fixed = features ? { ...desc, requiredFeatures: features.flat() as GPUFeatureName[] } : desc;
    return original.call(this, fixed);
  };
  proto[FLATTENED] = true;
}

let installed: Promise<WebGpuProbe> | undefined;

/**
 * Installs Dawn's navigator.gpu in this thread (once) and asks it for an adapter, the way
 * tfjs-backend-webgpu will. Never throws: a failure says what is missing and how to get it.
 */
export function installNodeWebGpu(): Promise<WebGpuProbe> {
  installed ??= (async (): Promise<WebGpuProbe> => {
    let dawn: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
    let url: string;
    try {
      url = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
      dawn = (await import('webgpu')) as unknown as typeof dawn;
    } catch (e) {
      return {
        ok: false,
        missing: `the npm package webgpu (Dawn for Node) did not load: ${firstLine(e)}`,
        fix: 'run `npm install` (it is a dependency)',
      };
    }
    // Without an adapter, Dawn writes its own warning (with its C++ source path) straight to stderr, where this
    // process cannot catch it: ask in a child first, and start Dawn here only when it found one.
    const child = await adapterInChild(url);
    if (!child.adapter) return { ok: false, missing: missingVulkanPiece(child.dawnSays), fix: VULKAN_HELP };
    const g = globalThis as GpuGlobal;
    if (!g.navigator?.gpu) {
      Object.assign(globalThis, dawn.globals);
      // Node 21+ defines a read-only navigator; replace it with one that also has gpu.
      Object.defineProperty(globalThis, 'navigator', {
        value: { ...(g.navigator ?? {}), gpu: dawn.create([]) },
        configurable: true,
        writable: true,
      });
    }
    flattenRequiredFeatures(dawn.globals.GPUAdapter as { prototype: GPUAdapter } | undefined);
    let adapter: GPUAdapter | null;
    try {
      adapter = await g.navigator!.gpu!.requestAdapter({ powerPreference: 'high-performance' });
    } catch (e) {
      adapter = null;
      void e;
    }
    if (!adapter) return { ok: false, missing: missingVulkanPiece(), fix: VULKAN_HELP };
    return { ok: true, adapter: describeAdapter(adapter) };
  })();
  return installed;
}

/** What a child process found: whether Dawn gave an adapter, and the first line of what Dawn printed. */
export interface ChildAdapterProbe {
  adapter: boolean;
  /** Dawn's warning, one line, without its "Warning: " and source location; null when it printed none. */
  dawnSays: string | null;
}

const CHILD_PROBE = `
const m = await import(process.argv[1]);
const dawn = m.create ? m : m.default;
let adapter = null;
try { adapter = await dawn.create([]).requestAdapter({ powerPreference: 'high-performance' }); } catch {}
process.stdout.write(JSON.stringify({ adapter: Boolean(adapter) }) + '\\n');
process.exit(0);
`;

/** Asks Dawn (the module at `url`) for an adapter in a child Node process, keeping its stderr to itself. */
export function adapterInChild(url: string, env: NodeJS.ProcessEnv = process.env): Promise<ChildAdapterProbe> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', CHILD_PROBE, url],
      { env, timeout: 60_000 },
      (err, stdout, stderr) => {
        let adapter = false;
        try {
          adapter = !err && (JSON.parse(stdout.trim().split('\n').pop() ?? '') as { adapter: boolean }).adapter;
        } catch {
          adapter = false;
        }
        resolve({ adapter, dawnSays: dawnWarning(stderr) });
      },
    );
  });
}

/** Dawn's "Warning: Couldn't load Vulkan: ...\n    at operator() (/.../BackendVk.cpp:368)" as one plain line. */
export function dawnWarning(stderr: string): string | null {
  const line = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('at '));
  return line ? line.replace(/^Warning:\s*/, '') : null;
}

function missingVulkanPiece(dawnSays: string | null = null): string {
  if (process.platform !== 'linux')
    return `WebGPU (Dawn) found no GPU adapter${dawnSays ? ` (Dawn: ${dawnSays})` : ''}`;
  const v = vulkanFiles();
  if (!v.loader) return 'no Vulkan loader: libvulkan.so.1 is not on the library path';
  if (!v.drivers.length)
    return `the Vulkan loader is there (${v.loader}) but no Vulkan driver (ICD manifest) was found`;
  const dawn = dawnSays ? ` (Dawn: ${dawnSays})` : '';
  return `Dawn found no usable adapter through ${v.loader} and ${v.drivers.join(', ')}${dawn}`;
}

export function describeAdapter(adapter: GPUAdapter): AdapterInfo {
  const info = (adapter.info ?? {}) as Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean };
  const a = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
  };
  const legacy = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const isFallback = Boolean(info.isFallbackAdapter ?? legacy) || SOFTWARE_ADAPTER.test(Object.values(a).join(' '));
  return { ...a, isFallback };
}

export function adapterName(a: AdapterInfo): string {
  const name = [a.vendor, a.architecture, a.description || a.device].filter(Boolean).join(' ');
  return `${name || 'unnamed adapter'}${a.isFallback ? ' (software/fallback adapter)' : ''}`;
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0];
}
