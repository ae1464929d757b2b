/** `cgan eval --json`: the report as plain JSON numbers (no feature statistics; NaN as null). */
import { displayPath } from '../runtime/display-path.ts';
import type { EvalReport } from './evaluate.ts';
import type { ManifoldScores } from './manifold.ts';
import type { Accuracy } from './metrics.ts';

const orNull = (x: number) => (Number.isNaN(x) ? null : x);

function accuracyJson(a: Accuracy, names: string[]) {
  return {
    overall: a.overall,
    perClass: a.perClass.map(orNull),
    counts: a.counts,
    byName: Object.fromEntries(names.map((n, i) => [n, orNull(a.perClass[i])])),
  };
}

function manifoldJson(m: ManifoldScores | undefined, against: string) {
  if (!m) return null;
  const { k, precision, recall, density, coverage, fakeCount } = m;
  return { k, precision, recall, density, coverage, count: fakeCount, against };
}

/** Which real images were held out: a test split, or a seeded fraction of the data (drawn from `drawnFrom` images). */
function heldOutJson(r: EvalReport) {
  const { split, test, dataSource } = r.reference;
  const base = { kind: split.kind, name: test.name, count: test.count, data: displayPath(dataSource) };
  if (split.kind === 'test-split') return base;
  return { ...base, fraction: split.fraction, seed: split.seed, drawnFrom: split.count, digest: split.digest };
}

export function reportJson(r: EvalReport): object {
  const ref = r.reference;
  const names = ref.classNames;
  const against = `${ref.test.count} ${ref.test.name} images`;
  return {
    model: { ...r.model, file: displayPath(r.model.file) },
    classifier: { ...r.classifier, file: displayPath(r.classifier.file) },
    classNames: names,
    seed: r.seed,
    generated: {
      count: r.generated.count,
      perClass: r.generated.perClass,
      conditionalAccuracy: accuracyJson(r.generated.accuracy, names),
      frechetDistance: r.generated.fd,
      predictedCounts: r.generated.predicted,
      frechetAgainst: against,
      manifold: manifoldJson(r.generated.manifold, against),
    },
    reference: {
      // The held-out images' accuracy: MNIST's test set, or the classifier's split of the data.
      testAccuracy: { count: ref.test.count, ...accuracyJson(ref.test.accuracy, names) },
      frechetDistance: ref.real.fd,
      frechetSet: { count: ref.real.count, source: ref.real.source, accuracy: ref.real.accuracy.overall },
      frechetAgainst: against,
      manifold: manifoldJson(ref.real.manifold, against),
      heldOut: heldOutJson(r),
    },
    featureDim: ref.test.stats.dim,
    seconds: { ...r.seconds, reference: ref.seconds },
    date: new Date().toISOString(),
  };
}
