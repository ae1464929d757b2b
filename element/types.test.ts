/**
 * The element's bundled declarations, fast (test/consumer.test.ts checks them again from the packed
 * tarball): they import nothing, and test/consumer/element-typed.ts type-checks against them as a page
 * with only @cgan-onnx/element installed, each of its `@ts-expect-error` lines failing for its reason.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import ts from 'typescript';
import { bundleTypes } from './build-types.ts';

const ELEMENT = new URL('.', import.meta.url).pathname;
const FIXTURES = new URL('../test/consumer/', import.meta.url).pathname;
const page = mkdtempSync(join(tmpdir(), 'cgan-element-types-'));
after(() => rmSync(page, { recursive: true, force: true }));

/** tsc's diagnostics for the page project, as "file:line: message" (1-based lines). */
function typeCheck(): string[] {
  const file = join(page, 'tsconfig.element.json');
  const { config } = ts.readConfigFile(file, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, page);
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file
      ? `${d.file.fileName.slice(page.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
      : '';
    return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

test('the element ships one self-contained .d.ts that types a page using it', async () => {
  // The page project as npm installs it: the package's own package.json (its exports) and dist/ .d.ts.
  const pkg = join(page, 'node_modules', '@cgan-onnx', 'element');
  mkdirSync(join(pkg, 'dist'), { recursive: true });
  cpSync(join(ELEMENT, 'package.json'), join(pkg, 'package.json'));
  const dts = await bundleTypes(join(pkg, 'dist', 'cgan-generator.d.ts'));
  writeFileSync(join(page, 'package.json'), '{ "type": "module" }\n');
  for (const f of ['element-typed.ts', 'tsconfig.element.json']) cpSync(join(FIXTURES, f), join(page, f));

  // Nothing to resolve: the runtime's types (and no onnxruntime-web's) are inside.
  const imports = dts.split('\n').filter((l) => /^\s*import\b|\bfrom\s+['"]|\/\/\/\s*<reference/.test(l));
  assert.deepEqual(imports, []);
  for (const name of [
    'declare class CganGeneratorElement',
    'interface ModelInfo',
    'interface Images',
    "'cgan-generator': CganGeneratorElement",
  ])
    assert.ok(dts.includes(name), `the bundle lacks ${name}`);

  assert.deepEqual(typeCheck(), []);

  // Without the directives, exactly the lines after them fail, each with the error its comment names.
  const source = readFileSync(join(page, 'element-typed.ts'), 'utf8').split('\n');
  const directive = /^(\s*\/\/ )@ts-expect-error/;
  const expected = source.flatMap((l, i) => (directive.test(l) ? [i + 2] : []));
  writeFileSync(join(page, 'element-typed.ts'), source.map((l) => l.replace(directive, '$1was')).join('\n'));
  const errors = typeCheck();
  assert.deepEqual(
    errors.map((e) => Number(/^element-typed\.ts:(\d+):/.exec(e)?.[1])),
    expected,
    errors.join('\n'),
  );
  const want = [
    /Type 'number' is not assignable to type 'string'/,
    /Cannot assign to 'images' because it is a read-only property/,
    /Type '"tpu"' is not assignable to type 'Device'/,
    /Property 'labels' does not exist on type 'ReadyDetail'/,
    /Expected 0 arguments, but got 1/,
  ];
  assert.equal(errors.length, want.length);
  for (const [i, e] of errors.entries()) assert.match(e, want[i]);
});
