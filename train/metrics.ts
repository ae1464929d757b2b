/**
 * Per-step metrics as JSON Lines (`metrics.jsonl`), one object per critic step, with the seed's
 * names. `generator_score` appears on the steps where the generator was updated.
 */
import { promises as fs, existsSync } from 'node:fs';

export interface MetricsRecord {
  step: number;
  epoch: number;
  real_score: number;
  fake_score: number;
  /** real_score - fake_score: the critic's estimate of the Wasserstein distance. */
  wasserstein: number;
  penalty: number;
  generator_score?: number;
  /** Training seconds since the run began, across resumes. */
  seconds: number;
}

export async function readMetrics(file: string): Promise<MetricsRecord[]> {
  if (!existsSync(file)) return [];
  const text = await fs.readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as MetricsRecord);
}

/**
 * Drops records after `step`: a run killed after its last checkpoint logged steps that the resumed
 * run will redo, and the curve must continue from the checkpoint without duplicates.
 */
export async function truncateMetrics(file: string, step: number): Promise<void> {
  const kept = (await readMetrics(file)).filter((r) => r.step <= step);
  const tmp = `${file}.tmp`;
  await fs.writeFile(tmp, kept.map((r) => JSON.stringify(r) + '\n').join(''));
  await fs.rename(tmp, file);
}

export class MetricsWriter {
  private buffer: string[] = [];
  constructor(readonly file: string) {}

  add(r: MetricsRecord): void {
    this.buffer.push(JSON.stringify(r) + '\n');
  }

  /** Appends buffered records; called every few steps and before each checkpoint. */
  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const text = this.buffer.join('');
    this.buffer = [];
    await fs.appendFile(this.file, text);
  }
}
