import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { CORE, importsOf, repoSources, violations } from './layering.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test('imports flow one way: no file in the repository goes against the layering', () => {
  const found = violations(repoSources(ROOT));
  assert.deepEqual(found, [], found.map((v) => `${v.file}: ${v.spec}: ${v.why}`).join('\n'));
});

test('the checker catches each kind of wrong import', () => {
  const bad = new Map([
    ['runtime/labels.ts', "import { x } from 'onnxruntime-web';"],
    ['runtime/random.ts', "import fs from 'node:fs';"],
    ['runtime/generator.ts', "import { y } from './node.ts';"],
    ['runtime/node.ts', "import { train } from '../train/trainer.ts';"],
    ['runtime/browser.ts', "export { z } from './png.ts';"],
    ['train/samples.ts', "import { writePng } from '../runtime/node.ts';"],
    ['web-demo/server.ts', "const m = await import('../cli/main.ts');"],
    ['train/lock.ts', "import { EXIT } from '../cli/errors.ts';"],
    ['export/export.ts', "import { checkOutputs } from '../cli/outputs.ts';"],
    ['web-demo/src/main.ts', "import { Generator } from '../../runtime/browser.ts';"],
    ['element/cgan-generator.ts', "import { readFile } from 'node:fs/promises';"],
    ['cli/main.ts', "import { runCgan } from '../test/run-cgan.ts';"],
    ['export/parity.ts', "import { Generator } from '../runtime/node.ts';"],
  ]);
  const found = violations(bad);
  assert.deepEqual(found.map((v) => v.file).sort(), [...bad.keys()].sort());
  // And the right direction passes.
  const good = new Map([
    [
      'train/samples.ts',
      "import { renderGrid } from '../runtime/images.ts';\nimport { writePng } from '../runtime/png.ts';",
    ],
    ['cli/generate-command.ts', "const rt = await import('../runtime/node.ts');"],
    ['export/node-runtime.ts', "const rt = await import('../runtime/node.ts');"],
    ['eval/evaluate.ts', "import type { Generator } from '../runtime/node.ts';"],
    ['web-demo/src/main.ts', "import { Generator } from '@cgan-onnx/runtime/browser';"],
  ]);
  assert.deepEqual(violations(good), []);
});

test('the inference CLI never reaches a training package, however far down the import is', () => {
  const files = new Map([
    ['cli/info-command.ts', "const { f } = await import('../export/inspect.ts');"],
    ['export/inspect.ts', "import { archOf } from '../train/model.ts';"],
    ['train/model.ts', "import * as tf from '@tensorflow/tfjs';"],
    [
      'cli/train-command.ts',
      "import { runDir } from '../train/run-files.ts';\nimport type { T } from '../train/trainer.ts';",
    ],
    ['train/run-files.ts', "import path from 'node:path';"],
    ['train/trainer.ts', "import { Worker } from 'node:worker_threads';\nimport vega from 'vega';"],
  ]);
  const found = violations(files).map((v) => `${v.file}: ${v.spec}`);
  // Reached by value from cli/info-command.ts through two files: flagged. Reached only by `import type`
  // (trainer.ts): not loaded, not flagged; so is train/model.ts when nothing in cli/ reaches it.
  assert.deepEqual(found, ['train/model.ts: @tensorflow/tfjs']);
  files.set('export/inspect.ts', "import type { ArchConfig } from '../train/model.ts';");
  assert.deepEqual(violations(files), []);
});

test('the import scanner sees static, type-only, re-export, side-effect and dynamic imports', () => {
  const src =
    "import a from 'a';\nimport type { B } from 'b';\nexport * from './c.ts';\nimport './d.css';\nawait import('e');\n";
  assert.deepEqual(importsOf(src), ['a', 'b', './c.ts', './d.css', 'e']);
});

test('the core list is the core tsconfig, and every core file exists', () => {
  assert.ok(CORE.length >= 8);
  for (const f of CORE) assert.ok(readFileSync(new URL(`../${f}`, import.meta.url), 'utf8').length > 0, f);
});
