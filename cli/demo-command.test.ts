import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, utimesSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findDefaultModel } from './demo-command.ts';
import { fixtureModel, notAGeneratorModel } from '../test/fixture-model.ts';

test('default model: models/mnist-cwgan.onnx first, else the newest generator .onnx, else null', () => {
  const root = mkdtempSync(join(tmpdir(), 'cgan-demo-default-'));
  try {
    // The shipped model is looked for where the test says (the package's own one always exists).
    const shipped = join(root, 'models', 'mnist-cwgan.onnx');
    assert.equal(findDefaultModel(root, shipped), null);
    mkdirSync(join(root, 'runs', 'a'), { recursive: true });
    mkdirSync(join(root, 'runs', 'b', 'export'), { recursive: true });
    const gen = fixtureModel({ genChannels: 4 });
    writeFileSync(join(root, 'runs', 'a', 'old.onnx'), gen);
    writeFileSync(join(root, 'runs', 'b', 'export', 'new.onnx'), gen);
    utimesSync(join(root, 'runs', 'a', 'old.onnx'), new Date(2020, 1, 1), new Date(2020, 1, 1));
    assert.equal(findDefaultModel(root, shipped), join(root, 'runs', 'b', 'export', 'new.onnx'));
    // Newer, but not generators: passed over.
    mkdirSync(join(root, 'models', 'classifier'), { recursive: true });
    writeFileSync(join(root, 'models', 'classifier', 'classifier.onnx'), notAGeneratorModel());
    writeFileSync(join(root, 'runs', 'b', 'broken.onnx'), 'not onnx');
    assert.equal(findDefaultModel(root, shipped), join(root, 'runs', 'b', 'export', 'new.onnx'));
    writeFileSync(join(root, 'models', 'mnist-cwgan.onnx'), gen);
    utimesSync(join(root, 'models', 'mnist-cwgan.onnx'), new Date(2019, 1, 1), new Date(2019, 1, 1));
    assert.equal(findDefaultModel(root, shipped), join(root, 'models', 'mnist-cwgan.onnx'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('`cgan demo model.onnx --port 0` prints a 127.0.0.1 URL that serves the page and the model', async () => {
  const { spawn } = await import('node:child_process');
  const { writeFixtureModel } = await import('../test/fixture-model.ts');
  const root = mkdtempSync(join(tmpdir(), 'cgan-demo-cli-'));
  const model = writeFixtureModel(join(root, 'm.onnx'), { genChannels: 8 });
  const { CGAN_ARGV } = await import('../test/run-cgan.ts');
  const child = spawn(process.execPath, [...CGAN_ARGV, 'demo', model, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    const url = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no URL printed within 60 s:\n${out}`)), 60_000);
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = /Demo: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) {
          clearTimeout(timer);
          ok(m[1]);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', (code) => fail(new Error(`cgan demo exited with ${code}:\n${out}`)));
    });
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>cgan-onnx/);
    const m = await fetch(new URL('model.onnx', url));
    assert.equal(m.status, 200);
    assert.equal((await m.arrayBuffer()).byteLength, (await import('node:fs')).statSync(model).size);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((ok) => child.once('exit', ok));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  }
});
