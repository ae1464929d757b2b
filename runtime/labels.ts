/** Label lists: parsing "0-9" / "3,3,7", validation against the model's classes, repetition. */
import { BadRequestError } from './errors.ts';
import { MAX_IMAGES_PER_REQUEST } from './limits.ts';

/**
 * Parses a comma-separated list of class indices and inclusive ranges: "0-9", "3,3,7", "0-2,7".
 * Order and repeats are kept (one image per entry).
 */
export function parseLabels(spec: string, numClasses: number): number[] {
  const out: number[] = [];
  const text = spec.trim();
  if (text === '')
    throw new BadRequestError(`labels: empty list; give class indices like "0-${numClasses - 1}" or "3,3,7"`);
  for (const raw of text.split(',')) {
    const item = raw.trim();
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(item);
    if (!m) {
      throw new BadRequestError(
        `labels: "${item}" is not a class index or a range like 0-${numClasses - 1} ` +
          `(labels must be non-negative integers, e.g. "0-9" or "3,3,7")`,
      );
    }
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new BadRequestError(`labels: range "${item}" runs backwards; write it as ${b}-${a}`);
    // Checked before expanding the range, so "0-999999999" fails at once instead of filling memory.
    if (b >= numClasses) throw new BadRequestError(outside(Math.max(a, numClasses), numClasses)); // the first outside
    if (out.length + (b - a + 1) > MAX_IMAGES_PER_REQUEST) throw new BadRequestError(tooMany(out.length + (b - a + 1)));
    for (let c = a; c <= b; c++) out.push(c);
  }
  return checkLabels(out, numClasses);
}

const outside = (v: number, numClasses: number) =>
  `label ${v} is outside the model's classes: it has ${numClasses} (0-${numClasses - 1})`;

const tooMany = (n: number) =>
  `${n.toLocaleString('en-US')} images asked for; one request may make at most ` +
  `${MAX_IMAGES_PER_REQUEST.toLocaleString('en-US')} (labels x count): ask for fewer and make several requests`;

/** Checks that every label is an integer class index; returns them as an Int32Array-compatible list. */
export function checkLabels(labels: ArrayLike<number>, numClasses: number): number[] {
  if (labels.length === 0) throw new BadRequestError('labels: empty list; give at least one class index');
  if (labels.length > MAX_IMAGES_PER_REQUEST) throw new BadRequestError(tooMany(labels.length));
  const out = new Array<number>(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new BadRequestError(
        `labels[${i}] is ${String(v)}: labels must be integers (class indices 0-${numClasses - 1})`,
      );
    }
    if (v < 0 || v >= numClasses) {
      throw new BadRequestError(outside(v, numClasses));
    }
    out[i] = v;
  }
  return out;
}

/** [0, 1], 2 -> [0, 0, 1, 1]: `perLabel` images of each label, grouped (one grid row per label). */
export function repeatLabels(labels: ArrayLike<number>, perLabel: number): number[] {
  if (!Number.isInteger(perLabel) || perLabel < 1)
    throw new BadRequestError(`count must be a positive integer, got ${perLabel}`);
  const total = labels.length * perLabel;
  if (total > MAX_IMAGES_PER_REQUEST) throw new BadRequestError(tooMany(total));
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) for (let k = 0; k < perLabel; k++) out.push(labels[i]);
  return out;
}

/** Length of the leading run if `labels` is made of equal-length runs of one value each, else null. */
export function runLength(labels: ArrayLike<number>): number | null {
  if (labels.length === 0) return null;
  let run = 1;
  while (run < labels.length && labels[run] === labels[0]) run++;
  if (labels.length % run !== 0) return null;
  for (let i = 0; i < labels.length; i += run) {
    for (let k = 1; k < run; k++) if (labels[i + k] !== labels[i]) return null;
    if (i + run < labels.length && labels[i + run] === labels[i]) return null;
  }
  return run;
}
