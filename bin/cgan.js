#!/usr/bin/env node
// The CLI runs compiled JavaScript (dist/, built by `npm run build`, which npm's prepare and prepack
// run), so it starts without a TypeScript loader. Tests run the sources instead (test/run-cgan.ts).
try {
  await import('../dist/cli/main.js');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist/cli/main.js')) throw e;
  console.error('cgan: dist/ is not built; run `npm run build` in the repository (npm ci does it too)');
  process.exitCode = 1;
}
