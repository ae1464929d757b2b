/**
 * The seed's training-curves figure: two panels sharing the step axis. Top: critic score on real
 * and fake samples; bottom: the Wasserstein estimate (real - fake) and 10x the gradient penalty,
 * y clipped to [0, 3] as the seed does. Raw values are drawn light, EMA(0.99)-smoothed ones bold.
 * Rendered with vega-lite to SVG, then to PNG with resvg (train/chart.ts).
 */
import { writeChart } from './chart.ts';
import type { MetricsRecord } from './metrics.ts';

/** The seed's smoothing: y_0 = x_0, y_t = beta * y_{t-1} + (1 - beta) * x_t. */
export function ema(xs: number[], beta: number): number[] {
  const out: number[] = [];
  let y = xs[0] ?? 0;
  for (const x of xs) {
    y = beta * y + (1 - beta) * x;
    out.push(y);
  }
  return out;
}

interface Point {
  step: number;
  value: number;
  series: string;
  smooth: boolean;
}

/** Keeps at most `max` evenly spaced points (the seed samples 1%; this keeps plots light). */
function thin<T>(xs: T[], max: number): T[] {
  if (xs.length <= max) return xs;
  const stride = xs.length / max;
  return Array.from({ length: max }, (_, i) => xs[Math.floor(i * stride)]);
}

export function curvesSpec(records: MetricsRecord[], lambda: number, title: string): object {
  const steps = records.map((r) => r.step);
  const series: Record<string, number[]> = {
    'Real score': records.map((r) => r.real_score),
    'Fake score': records.map((r) => r.fake_score),
    'Wasserstein distance': records.map((r) => r.wasserstein),
    [`${lambda}x Gradient penalty`]: records.map((r) => lambda * r.penalty),
  };
  const points = (names: string[]): Point[] =>
    names.flatMap((name) => {
      const raw = series[name];
      const smooth = ema(raw, 0.99);
      const idx = thin(
        steps.map((_, i) => i),
        1500,
      );
      return [
        ...idx.map((i) => ({ step: steps[i], value: raw[i], series: name, smooth: false })),
        ...idx.map((i) => ({ step: steps[i], value: smooth[i], series: name, smooth: true })),
      ];
    });
  const names = Object.keys(series);
  const panel = (panelNames: string[], colors: string[], yDomain?: [number, number]) => ({
    width: 640,
    height: 220,
    data: { values: points(panelNames) },
    mark: { type: 'line', clip: true },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'critic step' },
      y: { field: 'value', type: 'quantitative', title: null, ...(yDomain ? { scale: { domain: yDomain } } : {}) },
      color: {
        field: 'series',
        type: 'nominal',
        scale: { domain: panelNames, range: colors },
        legend: { orient: 'top-right', title: null, labelLimit: 0 },
      },
      detail: { field: 'smooth' },
      strokeWidth: { condition: { test: 'datum.smooth', value: 1.5 }, value: 1 },
      opacity: { condition: { test: 'datum.smooth', value: 1 }, value: 0.3 },
    },
  });
  const top = panel(names.slice(0, 2), ['green', 'red']);
  // The seed clips this panel to [0, 3], which fits a trained critic; early in a run the estimate
  // is ~20 (the L2 distance between gray fakes and digits), so widen the axis until it settles.
  const late = ema(series['Wasserstein distance'], 0.99).slice(Math.floor(records.length / 2));
  const bottom = panel(names.slice(2), ['blue', 'red'], [0, Math.max(3, 1.1 * Math.max(...late))]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    vconcat: [top, bottom],
    resolve: { scale: { color: 'independent' } },
    config: { font: 'DejaVu Sans' },
  };
}

/** Writes `curves.svg` and `curves.png` into `dir`; returns their paths. */
export async function writeCurves(
  dir: string,
  records: MetricsRecord[],
  lambda: number,
  title: string,
): Promise<string[]> {
  if (records.length === 0) return [];
  return writeChart(curvesSpec(records, lambda, title), dir, 'curves');
}
