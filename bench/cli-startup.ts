/**
 * `cgan --help` and a one-image `cgan generate`: the compiled CLI (bin/cgan.js -> dist/) against the
 * same sources run through tsx's loader (what bin/cgan.js did before the CLI was compiled), timed
 * in turn in one run so the ratio holds on a busy machine. Whole-process wall time, median of N.
 *
 * Usage: npm run build && node --import tsx bench/cli-startup.ts [--runs 9]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { int } from '../cli/parse.ts';

const { runs } = new Command('bench/cli-startup.ts')
  .option('--runs <n>', 'timed runs of each command (after one warm-up)', int('--runs', 1), 9)
  .parse()
  .opts<{ runs: number }>();

const repo = fileURLToPath(new URL('..', import.meta.url));
const compiled = [join(repo, 'bin', 'cgan.js')];
const fromSources = ['--import', import.meta.resolve('tsx'), join(repo, 'cli', 'main.ts')];
const out = mkdtempSync(join(tmpdir(), 'cgan-bench-cli-'));
const cases: { name: string; args: string[] }[] = [
  { name: 'cgan --help', args: ['--help'] },
  {
    name: 'cgan generate (1 image)',
    args: ['generate', '--labels', '3', '--out', join(out, 'g.png'), '--device', 'cpu'],
  },
];

function wallMs(argv: string[]): number {
  const t0 = performance.now();
  execFileSync(process.execPath, argv, { cwd: out, stdio: 'ignore' });
  return performance.now() - t0;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const bare: number[] = [];
for (let i = 0; i <= runs; i++) bare.push(wallMs(['-e', '0']));
console.log(`node -e 0 (Node's own start-up, the floor): ${median(bare.slice(1)).toFixed(0)} ms`);
console.log(
  `Node ${process.version}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join('/')}, ${runs} runs each, in turn`,
);
for (const c of cases) {
  wallMs([...compiled, ...c.args]);
  wallMs([...fromSources, ...c.args]);
  const a: number[] = [];
  const b: number[] = [];
  const ratio: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(wallMs([...compiled, ...c.args]));
    b.push(wallMs([...fromSources, ...c.args]));
    ratio.push(a[i] / b[i]);
  }
  console.log(
    `${c.name.padEnd(24)} compiled ${median(a).toFixed(0).padStart(5)} ms   tsx ` +
      `${median(b).toFixed(0).padStart(5)} ms   ` +
      `compiled/tsx ${median(ratio).toFixed(2)} (min ${Math.min(...a).toFixed(0)} / ${Math.min(...b).toFixed(0)} ms)`,
  );
}
rmSync(out, { recursive: true, force: true });
