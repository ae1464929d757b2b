/** The terminal view of a training run: a progress bar with ETA and the latest scores. */
import cliProgress from 'cli-progress';
import type { MetricsRecord } from './metrics.ts';

/**
 * A remaining time as the bar shows it: "42s", "12m05s", "46h59m". Rounded once, to the unit shown, before it
 * is split, so it never reads "46h60m" (cli-progress's own eta_formatted rounds the parts separately).
 */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  if (seconds < 59.5) return `${Math.round(seconds)}s`;
  if (seconds < 3600 - 0.5) {
    const s = Math.round(seconds);
    return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  }
  const m = Math.round(seconds / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Steps per second over the last updates (a window, so a slow start or a pause fades out). */
class StepRate {
  private points: { step: number; t: number }[] = [];
  constructor(private readonly window = 50) {}
  add(step: number, t = performance.now()): void {
    this.points.push({ step, t });
    if (this.points.length > this.window) this.points.shift();
  }
  /** Seconds left to `total`, or NaN before two updates. */
  secondsLeft(step: number, total: number): number {
    const a = this.points[0];
    const b = this.points[this.points.length - 1];
    if (!a || !b || b.step <= a.step) return Number.NaN;
    return ((total - step) * (b.t - a.t)) / 1000 / (b.step - a.step);
  }
}

export class ProgressReporter {
  private bar?: cliProgress.SingleBar;
  private last?: MetricsRecord;
  private rate = new StepRate();
  private total = 0;

  update(r: MetricsRecord, info: { totalSteps: number }): void {
    if (!this.bar) {
      this.bar = new cliProgress.SingleBar(
        {
          format:
            'step {value}/{total} [{bar}] {percentage}% | ETA {etaText} | epoch {epoch} | real {real} fake ' +
            '{fake} W {w} GP {gp} G {g}',
          // Off a terminal (CI, logs) print a line every 10 s instead of redrawing.
          noTTYOutput: true,
          notTTYSchedule: 10_000,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      this.total = info.totalSteps;
      this.bar.start(info.totalSteps, r.step - 1, this.payload(r));
    }
    this.rate.add(r.step);
    if (r.generator_score !== undefined) this.last = r;
    this.bar.update(r.step, this.payload(r));
  }

  log(msg: string): void {
    if (this.bar) this.bar.stop();
    console.log(msg);
    this.bar = undefined;
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  private payload(r: MetricsRecord) {
    const f = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(3));
    return {
      etaText: formatEta(this.rate.secondsLeft(r.step, this.total)),
      epoch: r.epoch.toFixed(2),
      real: f(r.real_score),
      fake: f(r.fake_score),
      w: f(r.wasserstein),
      gp: f(r.penalty),
      g: f(this.last?.generator_score),
    };
  }
}
