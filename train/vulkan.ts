/**
 * Where this Linux machine's Vulkan loader and drivers are, as Dawn (WebGPU in Node) and onnxruntime-node's
 * WebGPU provider will look for them. Plain file checks with no package, so `cgan doctor` reports them from the
 * inference CLI too, with or without the training package.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

export interface VulkanFiles {
  /** Where libvulkan.so.1 was found, or null. */
  loader: string | null;
  /** ICD manifests (driver descriptions) the loader will read. */
  drivers: string[];
}

const LOADER_DIRS = [
  '/usr/lib/x86_64-linux-gnu',
  '/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/lib64',
];
const ICD_DIRS = [
  '/usr/share/vulkan/icd.d',
  '/etc/vulkan/icd.d',
  '/usr/local/share/vulkan/icd.d',
  '/usr/local/nvidia/share/vulkan/icd.d',
];

/** Linux only: the Vulkan loader and driver manifests this process would see (macOS/Windows: not used). */
export function vulkanFiles(env: NodeJS.ProcessEnv = process.env): VulkanFiles {
  const libDirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...LOADER_DIRS];
  const loader = libDirs.map((d) => path.join(d, 'libvulkan.so.1')).find((f) => existsSync(f)) ?? null;
  const explicit = (env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES ?? '').split(':').filter(Boolean);
  const drivers = explicit.length
    ? explicit.filter((f) => existsSync(f))
    : ICD_DIRS.flatMap((d) => {
        try {
          return readdirSync(d)
            .filter((f) => f.endsWith('.json'))
            .map((f) => path.join(d, f));
        } catch {
          return [];
        }
      });
  return { loader, drivers };
}
