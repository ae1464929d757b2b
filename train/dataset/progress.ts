/**
 * Progress of a long pass over a dataset (decoding): a bar on a terminal, else a log line every
 * 10 seconds, so CI logs and `| tee` show it moving without a line per image.
 */
import cliProgress from 'cli-progress';
import type { Log } from './types.ts';

export interface Progress {
  tick(): void;
  stop(): void;
}

const QUIET: Progress = { tick: () => undefined, stop: () => undefined };

export function startProgress(label: string, total: number, log: Log | undefined): Progress {
  if (!log || total === 0) return QUIET;
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} | ETA {eta_formatted}`, hideCursor: true, etaBuffer: 200 },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return { tick: () => bar.increment(), stop: () => bar.stop() };
  }
  let done = 0;
  let last = performance.now();
  return {
    tick: () => {
      done += 1;
      if (performance.now() - last < 10_000 || done === total) return;
      last = performance.now();
      log(`${label}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`);
    },
    stop: () => undefined,
  };
}
