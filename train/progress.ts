/** The terminal view of a training run: a progress bar with ETA and the latest scores. */
import cliProgress from 'cli-progress';
import type { MetricsRecord } from './metrics.ts';

export class ProgressReporter {
  private bar?: cliProgress.SingleBar;
  private last?: MetricsRecord;

  update(r: MetricsRecord, info: { totalSteps: number }): void {
    if (!this.bar) {
      this.bar = new cliProgress.SingleBar(
        {
          format:
            'step {value}/{total} [{bar}] {percentage}% | ETA {eta_formatted} | epoch {epoch} | real {real} fake ' +
            '{fake} W {w} GP {gp} G {g}',
          etaBuffer: 50,
          // Off a terminal (CI, logs) print a line every 10 s instead of redrawing.
          noTTYOutput: true,
          notTTYSchedule: 10_000,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(info.totalSteps, r.step - 1, this.payload(r));
    }
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
      epoch: r.epoch.toFixed(2),
      real: f(r.real_score),
      fake: f(r.fake_score),
      w: f(r.wasserstein),
      gp: f(r.penalty),
      g: f(this.last?.generator_score),
    };
  }
}
