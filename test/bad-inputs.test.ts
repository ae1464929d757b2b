/**
 * Hostile and careless inputs against the real `cgan` and the demo server, one row per case: the
 * exit code, a message that names the problem (and no stack trace), an end within a time limit (no
 * hang), and every input file unchanged (sha256 before and after). Rows run concurrently, so
 * a row that may write its inputs has inputs of its own. Rows marked "(memory)" exhausted memory
 * before their fix: do not run them against an old build on a shared machine.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCgan } from './run-cgan.ts';
import { smallArch, testOnnx, testTensors, writeTestCheckpoint } from './test-checkpoint.ts';
import { decodeCheckpoint, writeCheckpoint, type Checkpoint } from '../train/checkpoint.ts';
import { criticShapes, defaultArch, generatorShapes } from '../train/model.ts';
import { startDemoServer, type DemoServer } from '../web-demo/server.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cgan-bad-inputs-'));
const f = (name: string) => path.join(dir, name);
const ckpt = (d: string) => path.join(f(d), 'checkpoint.safetensors');

interface Row {
  name: string;
  args: string[];
  code: number;
  message: RegExp;
  /** Seconds it may take; longer is a hang. */
  limit: number;
  /** Files that must not change. */
  inputs: string[];
  /** Expected on stdout instead of stderr (for the one row that succeeds). */
  stdout?: boolean;
}

/** A checkpoint with every tensor the trainer needs, of the real architecture, at step 4 of 64 examples. */
function fullCheckpoint(edit: (c: Checkpoint) => void = () => undefined): Checkpoint {
  const arch = defaultArch();
  const tensors: Checkpoint['tensors'] = {};
  for (const [name, shape] of Object.entries({ ...generatorShapes(arch), ...criticShapes(arch) })) {
    const n = shape.reduce((a, b) => a * b, 1);
    for (const k of [name, `adam.m.${name}`, `adam.v.${name}`]) {
      tensors[k] = { dtype: 'F32', shape, data: new Float32Array(n).fill(k === name ? 0.01 : 0) };
    }
  }
  const c: Checkpoint = {
    config: {
      arch,
      hyper: { lr: 2e-4, beta1: 0.5, beta2: 0.9, eps: 1e-8, lambda: 10, nCritic: 5, batchSize: 16, emaDecay: 0 },
      dataset: {
        name: 'mnist',
        imagesFile: 'train-images-idx3-ubyte',
        labelsFile: 'train-labels-idx1-ubyte',
        count: 64,
        numClasses: 10,
        classNames: [],
      },
      backend: 'wasm',
      workers: 1,
      seed: 0,
    },
    state: {
      step: 4,
      generatorSteps: 0,
      epoch: 1,
      batchInEpoch: 0,
      epochRng: [1, 2, 3, 4],
      rng: [1, 2, 3, 4],
      adamT: { generator: 0, critic: 4 },
      wallSeconds: 1,
    },
    tensors,
  };
  edit(c);
  return c;
}

const sha = (file: string) =>
  existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : 'absent';

let demo: DemoServer;

before(async () => {
  const model = await testOnnx();
  writeFileSync(f('g.onnx'), model);
  for (const v of ['victim-raw', 'victim-out', 'victim-export']) writeFileSync(f(`${v}.onnx`), model);
  const damaged = Buffer.from(model);
  damaged[Math.floor(damaged.length / 2)] ^= 0x10; // inside the dense weights
  writeFileSync(f('damaged.onnx'), damaged);
  // NaN in the last bias (conv.bias, the last initializer before the graph's nodes): every output is NaN.
  const nan = Buffer.from(model);
  const bias = nan.lastIndexOf(Buffer.from('conv.bias'));
  nan.writeFloatLE(NaN, nan.indexOf(Buffer.from([0x4a, 0x04]), bias) + 2); // raw_data (field 9), 4 bytes
  writeFileSync(f('nan.onnx'), nan);
  writeFileSync(f('random.onnx'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
  writeFileSync(f('afile'), 'not a directory\n');
  mkdirSync(f('a-dir'));
  await writeTestCheckpoint(f('run'), 'trained', 5, smallArch());
  await writeTestCheckpoint(f('victim-run'), 'trained', 5, smallArch());
  // A valid file with NaN weights: what a run that diverged before its save leaves behind.
  const nanRun = decodeCheckpoint(
    new Uint8Array(readFileSync(await writeTestCheckpoint(f('nan-run'), 'trained', 5, smallArch()))),
    'nan-run',
  );
  nanRun.tensors['generator.conv.bias'].data[0] = NaN;
  await writeCheckpoint(f('nan-run'), nanRun);
  // A generator-only checkpoint (what export reads) given to train --resume.
  await writeCheckpoint(f('partial'), { ...fullCheckpoint(), tensors: testTensors('trained', defaultArch(), 5) });
  await writeCheckpoint(
    f('edited'),
    fullCheckpoint((c) => (c.config.arch = { ...c.config.arch, genChannels: 64 })),
  );
  await writeCheckpoint(
    f('diverged'),
    fullCheckpoint((c) => (c.tensors['critic.dense.bias'].data[0] = NaN)),
  );
  await writeCheckpoint(f('resume-file'), fullCheckpoint());
  // 64 flipped bytes inside one tensor's data: a valid container holding damaged weights.
  for (const d of ['flipped', 'flipped-export']) {
    const file = await writeCheckpoint(f(d), fullCheckpoint());
    const b = readFileSync(file);
    const headerLen = Number(b.readBigUInt64LE(0));
    const [start] = JSON.parse(b.subarray(8, 8 + headerLen).toString())['generator.dense.kernel'].data_offsets;
    for (let i = 0; i < 64; i++) b[8 + headerLen + start + 4096 + i] ^= 0xa5;
    writeFileSync(file, b);
  }
  execFileSync('mkfifo', [f('fifo')]);
  // A link to a device, not the device: were the refusal to regress, the rename would replace the
  // link, never the machine's /dev/null.
  symlinkSync('/dev/null', f('chardev'));
  mkdirSync(f('locked'));
  // The test runner's own pid: a live process holds this run.
  writeFileSync(path.join(f('locked'), '.lock'), `${process.pid} ${os.hostname()}\n`);
  mkdirSync(f('site'));
  writeFileSync(path.join(f('site'), 'index.html'), '<!doctype html><title>t</title>');
  demo = await startDemoServer({ model: f('g.onnx'), port: 0, distDir: f('site') });
});

after(async () => {
  await demo?.close();
  rmSync(dir, { recursive: true, force: true });
});

const train = ['train', '--limit', '64', '--batch-size', '16', '--backend', 'wasm', '--workers', '1'];

const ROWS: Row[] = [
  // Outputs that would destroy inputs (issue 3).
  {
    name: 'generate --raw over its own model',
    args: ['generate', f('victim-raw.onnx'), '--labels', '1', '--raw', f('victim-raw.onnx')],
    code: 4,
    message: /--raw .*victim-raw\.onnx is also an input of this command/,
    limit: 30,
    inputs: [f('victim-raw.onnx')],
  },
  {
    name: 'generate --out over an existing model',
    args: ['generate', f('g.onnx'), '--labels', '1', '--out', f('victim-out.onnx')],
    code: 4,
    message: /victim-out\.onnx exists \(a model\); pass --force/,
    limit: 30,
    inputs: [f('g.onnx'), f('victim-out.onnx')],
  },
  {
    name: "export --out over the run's checkpoint",
    args: ['export', f('victim-run'), '--out', ckpt('victim-run')],
    code: 4,
    message: /checkpoint\.safetensors is also an input of this command/,
    limit: 30,
    inputs: [ckpt('victim-run')],
  },
  {
    name: 'export --out over an existing model',
    args: ['export', f('run'), '--out', f('victim-export.onnx')],
    code: 4,
    message: /victim-export\.onnx exists \(a model\); pass --force/,
    limit: 30,
    inputs: [ckpt('run'), f('victim-export.onnx')],
  },
  // Output paths checked before the work.
  {
    name: 'generate --raw into a directory',
    args: ['generate', f('g.onnx'), '--labels', '1', '--raw', f('a-dir')],
    code: 3,
    message: /--raw .*a-dir is a directory; give a file path/,
    limit: 30,
    inputs: [f('g.onnx')],
  },
  {
    name: 'generate --raw in a missing directory',
    args: ['generate', f('g.onnx'), '--labels', '1', '--raw', f('nope/o.bin')],
    code: 3,
    message: /directory .*nope does not exist; create it first/,
    limit: 30,
    inputs: [f('g.onnx')],
  },
  {
    name: 'export --out under a file',
    args: ['export', f('run'), '--out', path.join(f('afile'), 'x.onnx')],
    code: 3,
    message: /afile.*(not a directory|is a file)/,
    limit: 30,
    inputs: [ckpt('run'), f('afile')],
  },
  // Outputs that are not regular files (issue 34, bad 7): refused, never replaced.
  {
    name: 'generate --out a character device',
    args: ['generate', f('g.onnx'), '--labels', '1', '--out', f('chardev')],
    code: 4,
    message: /--out .*chardev is a character device, not a regular file; writing there would replace it/,
    limit: 30,
    inputs: [f('g.onnx')],
  },
  // A FIFO given as a model used to hang on open, waiting for a writer (issue 34, weak).
  {
    name: 'generate with a FIFO as the model',
    args: ['generate', f('fifo'), '--labels', '1', '--out', f('fifo-model.png')],
    code: 3,
    message: /fifo is a FIFO \(named pipe\), not a regular file; give the file itself/,
    limit: 30,
    inputs: [],
  },
  {
    name: 'info with a FIFO as the model',
    args: ['info', f('fifo')],
    code: 3,
    message: /fifo is a FIFO \(named pipe\), not a regular file/,
    limit: 30,
    inputs: [],
  },
  {
    name: 'generate --raw a FIFO',
    args: ['generate', f('g.onnx'), '--labels', '1', '--raw', f('fifo')],
    code: 4,
    message: /--raw .*fifo is a FIFO \(named pipe\), not a regular file/,
    limit: 30,
    inputs: [f('g.onnx')],
  },
  {
    name: 'export --out - (a model is not written to standard output)',
    args: ['export', f('run'), '--out', '-'],
    code: 2,
    message: /--out -: this output cannot go to standard output; give a file path/,
    limit: 30,
    inputs: [ckpt('run')],
  },
  {
    name: 'export --triton at a file',
    args: ['export', f('run'), '--triton', f('afile')],
    code: 3,
    message: /--triton .*afile is a file, not a directory/,
    limit: 30,
    inputs: [ckpt('run'), f('afile')],
  },
  // Checkpoint integrity (issue 34, bad 6): flipped bytes inside a tensor stop resume and export.
  {
    name: 'train --resume a checkpoint with 64 flipped bytes',
    args: [...train, '--steps', '5', '--resume', f('flipped')],
    code: 3,
    message: /flipped.*tensor generator\.dense\.kernel does not match the sha256 stored when it was saved/,
    limit: 60,
    inputs: [ckpt('flipped')],
  },
  {
    name: 'export a checkpoint with 64 flipped bytes',
    args: ['export', f('flipped-export'), '--out', f('flipped.onnx')],
    code: 3,
    message: /tensor generator\.dense\.kernel does not match the sha256 stored when it was saved: the file is damaged/,
    limit: 60,
    inputs: [ckpt('flipped-export')],
  },
  // Sizes known before the work (issue 34): a grid too large is refused before any image is made.
  {
    name: 'generate a grid over the pixel limit',
    args: ['generate', f('g.onnx'), '--labels', '0-9', '--count', '1000', '--scale', '64', '--out', f('huge.png')],
    code: 2,
    message: /--out: the grid would be \d+x\d+ pixels .*; a PNG grid may have at most 67\.1 megapixels/,
    limit: 30,
    inputs: [f('g.onnx')],
  },
  // Eval's own arguments (issue 34): the command line's fault is exit 2, a wrong file exit 3.
  {
    name: 'eval --samples 7',
    args: ['eval', f('g.onnx'), '--samples', '7'],
    code: 2,
    message: /--samples must be a positive multiple of the class count 10/,
    limit: 60,
    inputs: [f('g.onnx')],
  },
  {
    name: 'eval --samples 100000000',
    args: ['eval', f('g.onnx'), '--samples', '100000000'],
    code: 2,
    message: /a reference of 10000000 per class needs more: use --samples 59230 or fewer/,
    limit: 90,
    inputs: [f('g.onnx')],
  },
  {
    name: 'eval --classifier a model file',
    args: ['eval', f('g.onnx'), '--classifier', f('g.onnx'), '--samples', '20'],
    code: 3,
    message: /g\.onnx is a file, not classifier weights: give a classifier \.safetensors/,
    limit: 60,
    inputs: [f('g.onnx')],
  },
  // Damaged models (issue 4).
  {
    name: 'generate with damaged weights',
    args: ['generate', f('damaged.onnx'), '--labels', '1', '--raw', f('o1.bin')],
    code: 3,
    message: /damaged\.onnx: its weights do not match the weights_sha256 stored at export/,
    limit: 30,
    inputs: [f('damaged.onnx')],
  },
  {
    name: 'generate with NaN weights, hash check skipped',
    args: ['generate', f('nan.onnx'), '--no-verify', '--labels', '1', '--raw', f('o2.bin')],
    code: 3,
    message: /the model output NaN for image 0 .*its weights are damaged/,
    limit: 30,
    inputs: [f('nan.onnx')],
  },
  {
    name: 'info on damaged weights',
    args: ['info', f('damaged.onnx')],
    code: 3,
    message: /its weights do not match/,
    limit: 30,
    inputs: [f('damaged.onnx')],
  },
  {
    name: 'info on a directory',
    args: ['info', f('a-dir')],
    code: 3,
    message: /model file .*a-dir is a directory/,
    limit: 30,
    inputs: [],
  },
  {
    name: 'generate with a directory as the model',
    args: ['generate', f('a-dir'), '--labels', '1', '--raw', f('o3.bin')],
    code: 3,
    message: /model file .*a-dir is a directory/,
    limit: 30,
    inputs: [],
  },
  {
    name: 'export a checkpoint holding NaN',
    args: ['export', f('nan-run'), '--out', f('nan-out.onnx')],
    code: 3,
    message: /is not finite: the run had diverged when this checkpoint was saved/,
    limit: 60,
    inputs: [ckpt('nan-run')],
  },
  // Unbounded requests (issue 6).
  {
    name: 'generate --labels 0-999999999 (memory)',
    args: ['generate', f('g.onnx'), '--labels', '0-999999999', '--raw', f('o4.bin')],
    code: 2,
    message: /label 10 is outside the model's classes: it has 10 \(0-9\)/,
    limit: 30,
    inputs: [f('g.onnx')],
  },
  {
    name: 'generate over the image limit (memory)',
    args: ['generate', f('g.onnx'), '--labels', '0-9', '--count', '100000', '--raw', f('o5.bin')],
    code: 2,
    message: /1,000,000 images asked for; one request may make at most 100,000/,
    limit: 30,
    inputs: [f('g.onnx')],
  },
  {
    name: 'generate --noise /dev/zero (memory)',
    args: ['generate', f('g.onnx'), '--labels', '1', '--noise', '/dev/zero', '--raw', f('o6.bin')],
    code: 3,
    message: /noise file \/dev\/zero is not a regular file and holds more than the noise size limit/,
    limit: 30,
    inputs: [f('g.onnx')],
  },
  {
    name: 'train --workers 1000 (memory)',
    args: [...train.slice(0, -2), '--workers', '1000', '--steps', '1', '--out', f('w1000')],
    code: 2,
    message: /--workers 1000 is more than this machine allows: at most \d+/,
    limit: 30,
    inputs: [],
  },
  // Training failures that used to hang (issue 1) and other training inputs.
  {
    name: 'train --out an existing file',
    args: [...train, '--steps', '1', '--out', f('afile')],
    code: 3,
    message: /--out .*afile is a file, not a run directory/,
    limit: 60,
    inputs: [f('afile')],
  },
  {
    name: 'train --resume a checkpoint missing tensors',
    args: [...train, '--steps', '5', '--resume', f('partial')],
    code: 3,
    message: /partial.*has no tensor adam\.m\.generator\.embedding; it is not a complete checkpoint/,
    limit: 60,
    inputs: [ckpt('partial')],
  },
  {
    name: 'train --resume a checkpoint with edited shapes',
    args: [...train, '--steps', '5', '--resume', f('edited')],
    code: 3,
    message: /edited.*tensor generator\.dense\.kernel has shape \[256,6272\] but its config's model needs \[256,3136\]/,
    limit: 60,
    inputs: [ckpt('edited')],
  },
  {
    name: 'train --resume a checkpoint holding NaN',
    args: [...train, '--steps', '5', '--resume', f('diverged')],
    code: 3,
    message: /critic\.dense\.bias\[0\] = NaN is not finite/,
    limit: 60,
    inputs: [ckpt('diverged')],
  },
  {
    name: 'train --data a file',
    args: [...train, '--steps', '1', '--data', f('afile'), '--out', f('data-file')],
    code: 3,
    message: /--data .*afile is a file; pass the directory/,
    limit: 60,
    inputs: [f('afile')],
  },
  // Two trainings on one run directory (issue 5).
  {
    name: 'train on a run another live process holds',
    args: [...train, '--steps', '1', '--out', f('locked')],
    code: 4,
    message: new RegExp(`locked is in use by another training \\(pid ${process.pid}`),
    limit: 60,
    inputs: [path.join(f('locked'), '.lock')],
  },
  // Smaller things (issue 8).
  {
    name: 'train --resume RUN/checkpoint.safetensors without --out',
    args: [...train, '--steps', '4', '--resume', ckpt('resume-file')],
    code: 0,
    message: /done at step 4/,
    limit: 90,
    inputs: [],
    stdout: true,
  },
  {
    name: 'generate with nothing to write',
    args: ['generate', f('g.onnx'), '--labels', '1'],
    code: 2,
    message: /nothing to write: pass --out FILE\.png and\/or --raw FILE\.bin/,
    limit: 30,
    inputs: [f('g.onnx')],
  },
  // The demo server's start-up check (issue 7).
  {
    name: 'demo with a directory as the model',
    args: ['demo', f('a-dir'), '--port', '0'],
    code: 3,
    message: /Model file .*a-dir is a directory/,
    limit: 30,
    inputs: [],
  },
  {
    name: 'demo with random bytes as the model',
    args: ['demo', f('random.onnx'), '--port', '0'],
    code: 3,
    message: /random\.onnx: not (a valid ONNX file|an ONNX model)/,
    limit: 30,
    inputs: [f('random.onnx')],
  },
];

/** A Node stack frame ("    at fn (file.ts:12:3)") in what the user sees. */
const STACK = /\n\s+at .+:\d+:\d+\)?/;

describe('bad inputs against `cgan`', { concurrency: 4 }, () => {
  for (const row of ROWS) {
    test(row.name, { timeout: (row.limit + 30) * 1000 }, async () => {
      const before = row.inputs.map(sha);
      const r = await runCgan(row.args, { timeout: row.limit * 1000 });
      const said =
        `${row.name}: exit ${r.code}${r.timedOut ? ' (killed at the time limit: a hang)' : ''}` +
        `\n${r.stdout}${r.stderr}`;
      assert.equal(r.timedOut, false, said);
      assert.equal(r.code, row.code, said);
      assert.match(row.stdout ? r.stdout : r.stderr, row.message, said);
      assert.doesNotMatch(r.stderr, STACK, `${row.name}: a stack trace reached the user\n${r.stderr}`);
      assert.deepEqual(row.inputs.map(sha), before, `${row.name}: an input file changed`);
    });
  }
});

test('generate --out - writes the PNG to standard output and its messages to standard error', async () => {
  const r = await runCgan(['generate', f('g.onnx'), '--labels', '1', '--out', '-'], { timeout: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^.PNG\r\n/, 'a PNG signature on stdout');
  assert.match(r.stderr, /generated 1 images .*\nwrote -: \d+x\d+ PNG/);
  assert.equal(lstatSync(f('chardev')).isSymbolicLink(), true, 'the link to a device is still a link');
});

/** A raw request with a chosen Host header (fetch would not send one). */
function get(
  pathname: string,
  host?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const u = new URL(demo.url);
  return new Promise((ok, fail) => {
    const req = request(
      { host: u.hostname, port: u.port, path: pathname, headers: host ? { Host: host } : {} },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('latin1')));
        res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', fail);
    req.end();
  });
}

describe('bad requests against the demo server', { concurrency: true }, () => {
  test('a foreign Host (DNS rebinding) gets no model', async () => {
    const r = await get('/model.onnx', 'rebind.attacker.example');
    assert.equal(r.status, 421);
    assert.doesNotMatch(r.body, /cgan-onnx\.generator/);
  });
  test('the page and the model carry a Content-Security-Policy', async () => {
    for (const p of ['/', '/model.onnx'])
      assert.match(
        String((await get(p)).headers['content-security-policy']),
        /script-src 'self' 'wasm-unsafe-eval'/,
        p,
      );
  });
  test('a damaged model is refused at start-up', async () => {
    const start = startDemoServer({ model: f('damaged.onnx'), port: 0, distDir: f('site') });
    await assert.rejects(
      start.then((d) => d.close()),
      /weights do not match/,
    );
  });
});
