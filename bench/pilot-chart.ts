/**
 * The pilots' figure: conditional accuracy, worst-class accuracy and Frechet distance (rows) against
 * critic steps and against quiet-machine minutes (columns), one line per recipe, from each pilot's
 * quality.jsonl (eval/quality-curve.ts's points). Minutes are steps x the recipe's planned step
 * time, so recipes whose steps cost different amounts line up by compute in the right column.
 */
import type { QualityPoint } from '../eval/quality-curve.ts';
import { QUALITY_BAR } from '../eval/quality-curve.ts';
import type { WeightChoice } from '../export/export.ts';
import { quietSeconds, type PilotPlan } from './pilot-recipes.ts';

export interface PilotCurve {
  recipe: string;
  /** Seconds per critic step on a quiet machine (PilotPlan.stepSeconds). */
  stepSeconds: number;
  /** A branch's start (PilotPlan.from): its minutes run on from the parent's. */
  from?: PilotPlan['from'];
  points: QualityPoint[];
}

export interface PilotRow {
  recipe: string;
  step: number;
  minutes: number;
  panel: 'accuracy' | 'worst' | 'fd';
  value: number;
}

/** One row per recipe, point and metric, for the chosen weights (points recorded without a kind are raw). */
export function pilotRows(curves: PilotCurve[], weights: WeightChoice): PilotRow[] {
  return curves.flatMap((c) =>
    c.points
      .filter((p) => (p.weights ?? 'raw') === weights)
      .sort((a, b) => a.step - b.step)
      .flatMap((p) => {
        const at = { recipe: c.recipe, step: p.step, minutes: quietSeconds(c, p.step) / 60 };
        return [
          { ...at, panel: 'accuracy' as const, value: p.accuracy },
          { ...at, panel: 'worst' as const, value: Math.min(...p.perClass) },
          { ...at, panel: 'fd' as const, value: p.fd },
        ];
      }),
  );
}

export function pilotSpec(curves: PilotCurve[], weights: WeightChoice, title: string): object {
  const rows = pilotRows(curves, weights);
  const samples = curves[0]?.points[0]?.samples ?? '?';
  const ref = curves.flatMap((c) => c.points).find((p) => p.referenceFd > 0)?.referenceFd;
  const panel = (name: PilotRow['panel'], x: 'step' | 'minutes', yTitle: string, scale: object, rule?: number) => ({
    width: 360,
    height: 200,
    layer: [
      {
        transform: [{ filter: `datum.panel === '${name}'` }],
        mark: { type: 'line', point: { size: 18 } },
        encoding: {
          x: {
            field: x,
            type: 'quantitative',
            title: x === 'step' ? 'critic steps' : 'minutes (quiet-machine step time)',
          },
          y: { field: 'value', type: 'quantitative', title: yTitle, scale },
          color: { field: 'recipe', type: 'nominal', legend: { orient: 'right', title: 'recipe', labelLimit: 0 } },
        },
      },
      // The default model's bar, dashed, where it applies.
      ...(rule === undefined
        ? []
        : [{ mark: { type: 'rule', strokeDash: [5, 4], color: 'grey' }, encoding: { y: { datum: rule } } }]),
    ],
  });
  const row = (name: PilotRow['panel'], yTitle: string, scale: object, rule?: number) => ({
    hconcat: [panel(name, 'step', yTitle, scale, rule), panel(name, 'minutes', yTitle, scale, rule)],
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${title} (${weights === 'ema' ? 'weight average' : 'last iterate'}, ${samples} samples per point)`,
    data: { values: rows },
    vconcat: [
      row('accuracy', 'conditional accuracy', { domain: [0, 1] }, QUALITY_BAR.accuracy),
      row('worst', 'worst class accuracy', { domain: [0, 1] }, QUALITY_BAR.worstClass),
      row('fd', 'Frechet distance (log)', { type: 'log' }, ref === undefined ? undefined : 2 * ref),
    ],
    config: { font: 'DejaVu Sans' },
  };
}
