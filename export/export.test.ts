import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readModelInfo } from '../runtime/model-info.ts';
import { Generator } from '../runtime/node.ts';
import { exportGenerator, fp16Path } from './export.ts';
import { formatInfo, inspectOnnx } from './inspect.ts';
import { smallArch, writeTestCheckpoint } from '../test/test-checkpoint.ts';

let dir: string;
let run: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cgan-export-'));
  run = path.join(dir, 'run');
  await writeTestCheckpoint(run, 'trained', 3, smallArch());
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

test('export: checkpoint -> .onnx with a passing parity report and provenance', async () => {
  const out = path.join(dir, 'models', 'g.onnx');
  const lines: string[] = [];
  const r = await exportGenerator(run, { out, fp16: true, log: (l) => lines.push(l) });
  assert.ok(r.parity.ok);
  assert.ok(r.parity.maxAbsDiff <= 1e-4 && r.parity.maxAbsDiff > 0, `diff ${r.parity.maxAbsDiff}`);
  assert.match(
    lines[0],
    new RegExp(
      String.raw`^float32 parity, tfjs (wasm|cpu) vs onnxruntime-node cpu, max abs diff \S+ ` +
        String.raw`\(batch 1: .*batch 7: .*batch 13: .*\); limit 1e-4: OK$`,
    ),
  );
  assert.match(lines[1], /^float16-weights parity, .*limit 1e-2: OK$/);
  assert.ok(r.fp16 && r.fp16.parity.maxAbsDiff > r.parity.maxAbsDiff, 'fp16 weights should cost some accuracy');

  const info = readModelInfo(new Uint8Array(await fs.readFile(out)));
  assert.equal(info.step, 1500);
  assert.equal(info.dataset, 'mnist');
  assert.equal(info.metadata['checkpoint.epoch'], '1');
  assert.equal(info.metadata['checkpoint.seed'], '3');
  assert.equal(info.zDim, 16);
  assert.equal(existsSync(fp16Path(out)), true);
  assert.equal(readModelInfo(new Uint8Array(await fs.readFile(fp16Path(out)))).precision, 'float16');
  const g = await Generator.load(fp16Path(out), { device: 'cpu' });
  const img = await g.generate({ labels: '0-9', seed: 1 });
  assert.equal(img.count, 10);
  await g.dispose();

  const bytes = new Uint8Array(await fs.readFile(fp16Path(out)));
  const { info: i2, graph } = inspectOnnx(bytes, 'g.fp16.onnx');
  const text = formatInfo('g.fp16.onnx', i2, graph, bytes.length);
  assert.match(text, /classes: +10 \(0, 1, 2, 3, 4, 5, 6, 7, 8, 9\)/);
  assert.match(text, /z size: +16/);
  assert.match(text, /checkpoint: +step 1500, dataset mnist, epoch 1/);
  assert.match(
    text,
    new RegExp(
      'ops: +Gather -> Concat -> Gemm -> LeakyRelu -> Reshape -> ' +
        'ConvTranspose -> LeakyRelu -> ConvTranspose -> LeakyRelu -> Conv -> Tanh',
    ),
  );
  assert.match(text, /weights: +float16, [\d,]+ parameters, sha256 [0-9a-f]{64}/);
});

test('export fails above the parity limit and writes nothing', async () => {
  const out = path.join(dir, 'bad.onnx');
  await assert.rejects(
    exportGenerator(run, { out, limit: 0 }),
    /export failed its parity check: .* nothing was written to .*bad.onnx/,
  );
  assert.equal(existsSync(out), false);
  assert.deepEqual(
    (await fs.readdir(dir)).filter((f) => f.includes('.tmp')),
    [],
  );
});

test('export names a missing checkpoint', async () => {
  await assert.rejects(
    exportGenerator(path.join(dir, 'nothing'), { out: path.join(dir, 'x.onnx') }),
    /no checkpoint at .*checkpoint.safetensors/,
  );
});

test(
  'export ships the weight average by default; --weights raw the last iterate; ' + 'asking for a missing average fails',
  async () => {
    const { readCheckpoint, writeCheckpoint } = await import('../train/checkpoint.ts');
    const { testTensors } = await import('../test/test-checkpoint.ts');
    // A checkpoint whose average is seed 4's weights and whose last iterate is seed 3's.
    const withEma = path.join(dir, 'ema-run');
    const ck = await readCheckpoint(run);
    const avg = testTensors('trained', smallArch(), 4);
    await writeCheckpoint(withEma, {
      ...ck,
      config: { ...ck.config, hyper: { ...ck.config.hyper, emaDecay: 0.999 } },
      tensors: { ...ck.tensors, ...Object.fromEntries(Object.entries(avg).map(([k, v]) => [`ema.${k}`, v])) },
    });
    const seed4 = path.join(dir, 'seed4-run');
    await writeTestCheckpoint(seed4, 'trained', 4, smallArch());

    let n = 0;
    const sha = async (src: string, weights?: 'ema' | 'raw') => {
      const r = await exportGenerator(src, { out: path.join(dir, `w-${n++}.onnx`), weights });
      return { r, sha: r.metadata.weights_sha256, kind: r.metadata['checkpoint.weights'] };
    };
    const byDefault = await sha(withEma);
    assert.equal(byDefault.r.weights, 'ema');
    assert.equal(byDefault.kind, 'ema (decay 0.999)');
    assert.equal(byDefault.sha, (await sha(seed4)).sha, 'the exported weights are the average');
    const raw = await sha(withEma, 'raw');
    assert.equal(raw.kind, 'raw');
    const { info, graph } = inspectOnnx(new Uint8Array(await fs.readFile(byDefault.r.file)), 'w.onnx');
    assert.match(
      formatInfo('w.onnx', info, graph, byDefault.r.bytes),
      /checkpoint: +step 1500, .*; weights: average, ema \(decay 0.999\)/,
    );
    assert.equal(raw.sha, (await sha(run)).sha, 'the exported weights are the last iterate');
    assert.equal((await sha(run)).r.weights, 'raw', 'no average: the last iterate, without asking');
    await assert.rejects(
      exportGenerator(run, { out: path.join(dir, 'none.onnx'), weights: 'ema' }),
      /has no generator weight average .*: export it with --weights raw/,
    );
  },
);

test('export: an RGB 32x32 checkpoint of 3 named classes -> a 3-channel model that draws by class name', async () => {
  const rgbRun = path.join(dir, 'rgb-run');
  const names = ['circle', 'square', 'T-shirt, top'];
  await writeTestCheckpoint(rgbRun, 'trained', 5, smallArch(3, 32, 3), names);
  const out = path.join(dir, 'models', 'rgb.onnx');
  const r = await exportGenerator(rgbRun, { out });
  assert.ok(r.parity.ok && r.parity.maxAbsDiff > 0, `parity ${r.parity.maxAbsDiff}`);
  const bytes = new Uint8Array(await fs.readFile(out));
  const { info, graph } = inspectOnnx(bytes, 'rgb.onnx');
  assert.deepEqual([info.imageSize, info.channels, info.classNames], [32, 3, names]);
  const text = formatInfo('rgb.onnx', info, graph, bytes.length);
  assert.match(text, /classes: +3 \(circle, square, T-shirt, top\)/);
  assert.match(text, /image: +3 x 32 x 32 \(RGB\)/);
  const g = await Generator.load(out, { device: 'cpu' });
  const img = await g.generate({ labels: '"T-shirt, top",circle', seed: 2 });
  assert.deepEqual(Array.from(img.labels), [2, 0]);
  assert.equal(img.channels, 3);
  assert.equal(img.data.length, 2 * 3 * 32 * 32);
  await g.dispose();
});
