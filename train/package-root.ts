/**
 * The package a module was installed with: the nearest package.json above the module's file. From the
 * sources, export/ and eval/ find the repository (cgan-onnx); compiled into @cgan-onnx/train they find the
 * training package, which ships models/classifier/ and carries the same version. (Resolving
 * 'cgan-onnx/package.json' by name, as the CLI does, fails there: the CLI is not a dependency of it.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRootOf(moduleUrl: string): { dir: string; name: string; version: string } {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name: string; version: string };
      return { dir, name: pkg.name, version: pkg.version };
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`internal: no package.json above ${fileURLToPath(moduleUrl)}`);
    dir = up;
  }
}
