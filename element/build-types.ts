/**
 * Bundles the element's declarations into one self-contained dist/cgan-generator.d.ts: the types
 * cgan-generator.ts exports, with the @cgan-onnx/runtime types they use inlined (the module inlines
 * the runtime, so a page has only this package installed). build.ts says why rollup-plugin-dts.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';

const root = dirname(fileURLToPath(import.meta.url));
const BANNER = "// @cgan-onnx/element's types, bundled from its TypeScript sources by element/build.ts.";

/** Writes the bundled declarations to `outFile` and returns their text. */
export async function bundleTypes(outFile: string): Promise<string> {
  const bundle = await rollup({
    input: join(root, 'cgan-generator.ts'),
    // The root tsconfig resolves @cgan-onnx/runtime through its `source` condition, to the .ts
    // files themselves: the declarations come from the sources, never from a stale runtime/dist/.
    // No Node types (`types: []`): page code, as runtime/tsconfig.browser.json checks the runtime's.
    plugins: [
      dts({
        tsconfig: join(root, '..', 'tsconfig.json'),
        compilerOptions: { types: [] },
        includeExternal: ['@cgan-onnx/runtime'],
      }),
    ],
    logLevel: 'warn',
  });
  try {
    const { output } = await bundle.write({ file: outFile, format: 'es', banner: BANNER });
    return output[0].code;
  } finally {
    await bundle.close();
  }
}
