// Consumer check (a): loading as transformers.js users expect, from the installed runtime: an http URL
// with progress and dtype, an AbortSignal on a server that never answers, dispose twice, a PNG.
// Usage: node node-load.mjs MODELS_DIR OUT.json (MODELS_DIR holds mnist-cwgan.onnx and .fp16.onnx).
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Generator, encodePng } from '@cgan-onnx/runtime';

const [dir, out] = process.argv.slice(2);
const server = createServer((req, res) => {
  if (req.url === '/silent') return; // never answers
  res.end(readFileSync(join(dir, req.url.slice(1))));
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const base = `http://127.0.0.1:${server.address().port}`;
const progress = [];
const g = await Generator.load(`${base}/mnist-cwgan.onnx`, { dtype: 'fp16', onProgress: (p) => progress.push(p) });
const images = await g.generate({ labels: '0-9', seed: 42 });
await g.dispose();
await g.dispose();
let aborted = '';
await Generator.load(`${base}/silent`, { signal: AbortSignal.timeout(200) }).catch((e) => {
  aborted = e.name;
});
const png = encodePng(images, { scale: 2 });
writeFileSync(out, JSON.stringify({ precision: g.info.precision, progress, aborted, pngBytes: png.length }));
server.closeAllConnections();
server.close();
