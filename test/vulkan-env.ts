/**
 * Test helper: runs WebGPU code on a Vulkan driver in a child process. The dynamic linker reads
 * LD_LIBRARY_PATH once, at process start, so a test cannot point Dawn at Chromium's Vulkan loader
 * from inside itself: it starts a child with the variables set. Order of preference: the
 * machine's own loader and driver, then Debian Chromium's SwiftShader (a software Vulkan driver,
 * CPU speed; .ci/run installs Chromium, so CI has it).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { vulkanFiles } from '../train/webgpu.ts';

const CHROMIUM = '/usr/lib/chromium';
export const SWIFTSHADER_ENV = { LD_LIBRARY_PATH: CHROMIUM, VK_ICD_FILENAMES: `${CHROMIUM}/vk_swiftshader_icd.json` };

/** The environment for a WebGPU child, or why there is none (the test then skips with that reason). */
export function vulkanEnv(): { env: NodeJS.ProcessEnv } | { skip: string } {
  const own = vulkanFiles();
  if (own.loader && own.drivers.length) return { env: process.env };
  const needed = [`${CHROMIUM}/libvulkan.so.1`, SWIFTSHADER_ENV.VK_ICD_FILENAMES, `${CHROMIUM}/libvk_swiftshader.so`];
  const absent = needed.filter((f) => !existsSync(f));
  if (absent.length) {
    return {
      skip:
        `no Vulkan loader/driver: the system has ${own.loader ? 'no driver' : 'no libvulkan.so.1'} and ` +
        `${absent.join(', ')} is absent (apt-get install chromium, as .ci/run does)`,
    };
  }
  return { env: { ...process.env, ...SWIFTSHADER_ENV } };
}

const CHILD = fileURLToPath(new URL('./webgpu-child.ts', import.meta.url));

/** Runs test/webgpu-child.ts `mode` with `env`; resolves with the JSON it prints last. */
export function runWebGpuChild<T>(mode: string, env: NodeJS.ProcessEnv, timeoutMs = 200_000): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CHILD, mode],
      { env, timeout: timeoutMs, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const last = stdout.trim().split('\n').pop() ?? '';
        if (err) return reject(new Error(`webgpu child ${mode} failed (${err.message}):\n${stderr.slice(-2000)}`));
        try {
          resolve(JSON.parse(last) as T);
        } catch {
          reject(
            new Error(`webgpu child ${mode} printed no JSON result:\n${stdout.slice(-1000)}\n${stderr.slice(-1000)}`),
          );
        }
      },
    );
  });
}
