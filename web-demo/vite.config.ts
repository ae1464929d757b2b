/**
 * Vite builds web-demo/ into web-demo/dist, a static page the demo server (server.ts) serves.
 *
 * The `onnxruntime-web-use-extern-wasm` condition picks ORT's builds that fetch their wasm glue and
 * binary from `env.wasm.wasmPaths` at run time (the server's /ort/) instead of the `.bundle` builds,
 * which would make Vite copy 14-28 MB of wasm into dist on every build.
 */
import { defineConfig, defaultClientConditions } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  logLevel: 'warn',
  resolve: {
    // `source`: the page imports @cgan-onnx/runtime by name and builds from its TypeScript (runtime/package.json).
    conditions: ['source', 'onnxruntime-web-use-extern-wasm', ...defaultClientConditions],
    // The runtime's browser entry falls back to plain `onnxruntime-web` (the 368 KB JSEP build) when no `ort`
    // is passed; the page always passes one, so point the fallback at the 50 KB wasm build.
    alias: [{ find: /^onnxruntime-web$/, replacement: 'onnxruntime-web/wasm' }],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // ORT's minified builds are ~50-70 KB each; they are lazy chunks, not in the first load.
    chunkSizeWarningLimit: 800,
  },
  server: {
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
    fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] },
  },
});
