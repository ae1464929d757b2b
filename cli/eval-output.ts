/** How `cgan eval` prints its report: per-class tables by class name, then the distances and manifold scores. */
import type { Training } from './training.ts';
import { displayPath } from '../runtime/display-path.ts';

// From the training package's declarations: a type import of eval/ would compile it into the CLI.
type EvalReport = Awaited<ReturnType<Training['evaluateGenerator']>>;

const pct = (x: number, w = 5) => (Number.isNaN(x) ? '-'.padStart(w) : (x * 100).toFixed(1).padStart(w));
const num = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(3)).padStart(7);

/** Up to 12 classes with names of up to 12 characters: one column each, as for MNIST's digits. */
function printColumns(r: EvalReport, print: (line: string) => void): void {
  const { generated: g, reference: ref } = r;
  const names = ref.classNames;
  const w = Math.max(5, ...names.map((n) => n.length));
  print(`                        ${'all'.padStart(5)} ${names.map((n) => n.padStart(w)).join(' ')}`);
  print(
    `conditional accuracy %  ${pct(g.accuracy.overall)} ${g.accuracy.perClass.map((x) => pct(x, w)).join(' ')}   ` +
      `(${g.count} samples, ${g.perClass} per class, seed ${r.seed})`,
  );
  print(
    `samples read as         ${''.padStart(5)} ${g.predicted.map((x) => String(x).padStart(w)).join(' ')}   ` +
      `(how many samples the classifier put in each class)`,
  );
  print(
    `real ${ref.test.name} accuracy %`.padEnd(24) +
      `${pct(ref.test.accuracy.overall)} ${ref.test.accuracy.perClass.map((x) => pct(x, w)).join(' ')}   ` +
      `(${ref.test.count} ${ref.test.name} images)`,
  );
}

/** Many classes or long names: one row per class, the worst first, at most 40 rows. */
function printRows(r: EvalReport, print: (line: string) => void): void {
  const { generated: g, reference: ref } = r;
  const names = ref.classNames;
  const w = Math.min(24, Math.max(5, ...names.map((n) => n.length)));
  print(
    `conditional accuracy %  ${pct(g.accuracy.overall)}   ` +
      `(${g.count} samples, ${g.perClass} per class, seed ${r.seed}); ` +
      `real ${ref.test.name} accuracy % ${pct(ref.test.accuracy.overall).trim()} (${ref.test.count} images)`,
  );
  const order = names.map((_, i) => i).sort((a, b) => g.accuracy.perClass[a] - g.accuracy.perClass[b]);
  const shown = order.slice(0, 40);
  print(`  ${'class'.padEnd(w)}  generated %  real ${ref.test.name} %  samples read as`);
  for (const c of shown)
    print(
      `  ${names[c].slice(0, w).padEnd(w)}  ${pct(g.accuracy.perClass[c], 11)}  ` +
        `${pct(ref.test.accuracy.perClass[c], 10 + ref.test.name.length)}  ${String(g.predicted[c]).padStart(15)}`,
    );
  if (order.length > shown.length) print(`  ... ${order.length - shown.length} more classes in --json`);
}

function printManifold(r: EvalReport, print: (line: string) => void): void {
  const { generated: g, reference: ref } = r;
  if (!g.manifold) return;
  const real = ref.real.manifold;
  print(
    `${`manifold scores, k = ${g.manifold.k}`.padEnd(24)}${'samples'.padStart(7)}${'real'.padStart(7)}   ` +
      `(${g.count} samples and ${ref.real.count} training images, each against the same ${ref.test.count} ` +
      `${ref.test.name} images)`,
  );
  const rows: [string, 'precision' | 'recall' | 'density' | 'coverage', string][] = [
    ['precision', 'precision', 'fidelity: share of samples inside the real manifold'],
    ['recall', 'recall', "diversity: share of real images inside the samples' manifold"],
    ['density', 'density', 'fidelity, robust to outliers: ~1 for real data'],
    ['coverage', 'coverage', 'diversity, robust to outliers'],
  ];
  for (const [label, key, note] of rows)
    print(`${label.padEnd(24)}${num(g.manifold[key])}${num(real?.[key])}   (${note})`);
}

export function printReport(r: EvalReport, print: (line: string) => void = console.log): void {
  const { generated: g, reference: ref } = r;
  print(
    `model ${r.model.file} (step ${r.model.step ?? '?'}, weights ${r.model.weightsHash.slice(0, 12)}` +
      `${r.model.verified ? '' : ' not verified (--no-verify)'}); ` +
      `classifier ${displayPath(r.classifier.file)} (${ref.test.name} accuracy ${r.classifier.testAccuracy ?? '?'})`,
  );
  const names = ref.classNames;
  if (names.length <= 12 && names.every((n) => n.length <= 12)) printColumns(r, print);
  else printRows(r, print);
  const against = `${ref.test.count} ${ref.test.name} images`;
  print(
    `Frechet distance        ${g.fd.toFixed(2)}   (${g.count} samples vs ${against}, ` +
      `${ref.test.stats.dim}-d classifier features)`,
  );
  print(
    `real reference          ${ref.real.fd.toFixed(2)}   (${ref.real.count} training images, ` +
      `${ref.real.source}, vs the same ${against})`,
  );
  printManifold(r, print);
  print(
    `took ${r.seconds.total.toFixed(1)} s (generate ${r.seconds.generate.toFixed(1)} s on ${r.model.device}, ` +
      `classify and score ${r.seconds.classify.toFixed(1)} s, reference ${ref.seconds.toFixed(1)} s)`,
  );
}
