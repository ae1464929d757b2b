/**
 * Compressed copies of onnxruntime-web's files for the demo server: its wasm is most of a first
 * visit's bytes (14 MB plain, 28 MB JSEP) and shrinks about 5x with brotli (bench/element-load.ts
 * measured 14.2 -> 2.7 MB and 28.3 -> 4.6 MB; docs/web-demo.md). The files sit in node_modules, where
 * no `.br` copy can be written (a global install is read-only), so each is compressed once, on its
 * first request, and kept in memory; the model (float weights: 8% smaller at best) is sent as it is.
 */
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

export type Encoding = 'br' | 'gzip';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/**
 * brotli 5: 5% bigger than 9 at a quarter of the time (plain wasm 2.83 MB in 0.54 s against 2.69 MB
 * in 2.0 s; JSEP 4.89 MB in 0.66 s against 4.64 MB in 3.0 s; gzip 6: 3.70 and 6.73 MB), once per file.
 */
const BROTLI_QUALITY = 5;

/** The encoding to send for an Accept-Encoding header: brotli, else gzip, else none. */
export function pickEncoding(accept: string | string[] | undefined): Encoding | null {
  const offered = String(accept ?? '')
    .split(',')
    .map((s) => s.trim().split(';'))
    .filter(([, q]) => !q || Number(q.trim().replace(/^q=/, '')) > 0)
    .map(([name]) => name.trim().toLowerCase());
  if (offered.includes('br')) return 'br';
  if (offered.includes('gzip')) return 'gzip';
  return null;
}

async function compress(bytes: Buffer, encoding: Encoding): Promise<Buffer> {
  if (encoding === 'gzip') return gz(bytes, { level: 6 });
  return brotli(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  });
}

/** Serves files compressed from memory; a file changed on disk (by size or mtime) is compressed again. */
export function compressedFiles(): (
  req: IncomingMessage,
  res: ServerResponse,
  file: string,
  headers: Record<string, string>,
) => Promise<boolean> {
  const cache = new Map<string, { key: string; body: Promise<Buffer> }>();
  return async (req, res, file, headers) => {
    const encoding = pickEncoding(req.headers['accept-encoding']);
    if (!encoding) return false;
    const st = await stat(file);
    const key = `${st.size}:${st.mtimeMs}`;
    const id = `${file}\n${encoding}`;
    let hit = cache.get(id);
    if (hit?.key !== key) {
      hit = { key, body: readFile(file).then((b) => compress(b, encoding)) };
      cache.set(id, hit);
      hit.body.catch(() => cache.delete(id)); // a failed read or compression is tried again next time
    }
    const body = await hit.body;
    res.writeHead(200, {
      ...headers,
      'Content-Encoding': encoding,
      'Content-Length': body.length,
      Vary: 'Accept-Encoding',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
