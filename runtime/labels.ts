/** Label lists: parsing "0-9" / "3,3,7" / "Sneaker,Bag", validation against the model's classes, repetition. */
import { BadRequestError } from './errors.ts';
import { MAX_IMAGES_PER_REQUEST } from './limits.ts';

/**
 * A model's classes: their names (ModelInfo.classNames), or only their count where names are not
 * known (then the names are the indices, "0", "1", ...).
 */
export type Classes = number | readonly string[];

const countOf = (c: Classes) => (typeof c === 'number' ? c : c.length);

/**
 * Parses a comma-separated list of class names, class indices and inclusive index ranges:
 * "0-9", "3,3,7", "Sneaker,Bag", "Bag,0-2". Order and repeats are kept (one image per entry).
 * An item that is a class name is that class, also when it looks like a number ("3" in a dataset
 * whose folder "3" is class 0); a name holding a comma, or one to be read only as a name, goes in
 * double quotes, with \" and \\ for a quote and a backslash: `"T-shirt, top",Bag`.
 */
export function parseLabels(spec: string, classes: Classes): number[] {
  const numClasses = countOf(classes);
  const out: number[] = [];
  if (spec.trim() === '')
    throw new BadRequestError(`labels: empty list; give class names or indices like "0-${numClasses - 1}" or "3,3,7"`);
  for (const { text: item, quoted } of splitItems(spec)) {
    const named = nameIndex(item, classes);
    if (named !== null) {
      if (out.length + 1 > MAX_IMAGES_PER_REQUEST) throw new BadRequestError(tooMany(out.length + 1));
      out.push(named);
      continue;
    }
    const m = quoted ? null : /^(\d+)(?:\s*-\s*(\d+))?$/.exec(item);
    if (!m) throw new BadRequestError(`labels: ${notAClass(item, classes, quoted)}`);
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

/** Splits on commas outside double quotes; a quoted item keeps its spaces and commas. */
function splitItems(spec: string): { text: string; quoted: boolean }[] {
  const items: { text: string; quoted: boolean }[] = [];
  let i = 0;
  for (;;) {
    while (spec[i] === ' ') i++;
    if (spec[i] === '"') {
      let text = '';
      for (i++; i < spec.length && spec[i] !== '"'; i++) text += spec[i] === '\\' ? spec[++i] : spec[i];
      if (spec[i] !== '"')
        throw new BadRequestError(`labels: a quote opened in ${JSON.stringify(spec)} is never closed`);
      i++;
      while (spec[i] === ' ') i++;
      if (i < spec.length && spec[i] !== ',')
        throw new BadRequestError(`labels: after the quoted name "${text}" comes "${spec.slice(i)}"; expected a comma`);
      items.push({ text, quoted: true });
    } else {
      const end = spec.indexOf(',', i);
      items.push({ text: spec.slice(i, end < 0 ? undefined : end).trim(), quoted: false });
      i = end < 0 ? spec.length : end;
    }
    if (i >= spec.length) return items;
    i++; // the comma
  }
}

/** The index of a class by its exact name, else by a case-insensitive name if only one matches; or null. */
function nameIndex(name: string, classes: Classes): number | null {
  if (typeof classes === 'number') return null;
  const exact = classes.indexOf(name);
  if (exact >= 0) return exact;
  const lower = name.toLowerCase();
  const loose = classes.flatMap((c, i) => (c.toLowerCase() === lower ? [i] : []));
  return loose.length === 1 ? loose[0] : null;
}

function notAClass(item: string, classes: Classes, quoted: boolean): string {
  const n = countOf(classes);
  if (typeof classes === 'number' || (!quoted && /^[\d\s.+-]*$/.test(item))) {
    const names = typeof classes === 'number' ? '' : ` or a class name (${listNames(classes)})`;
    return (
      `"${item}" is not a class index or a range like 0-${n - 1}${names} ` +
      `(labels must be non-negative integers, e.g. "0-${n - 1}" or "3,3,7")`
    );
  }
  return `"${item}" is not a class of this model; its classes are ${listNames(classes)} (or indices 0-${n - 1})`;
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 40).map((n) => JSON.stringify(n));
  return shown.join(', ') + (names.length > shown.length ? `, ... (${names.length} in all)` : '');
}

const outside = (v: number, numClasses: number) =>
  `label ${v} is outside the model's classes: it has ${numClasses} (0-${numClasses - 1})`;

const tooMany = (n: number) =>
  `${n.toLocaleString('en-US')} images asked for; one request may make at most ` +
  `${MAX_IMAGES_PER_REQUEST.toLocaleString('en-US')} (labels x count): ask for fewer and make several requests`;

/**
 * Checks that every label is an integer class index, or a class name (a list of names, as a page or
 * a JSON request gives them); returns them as class indices.
 */
export function checkLabels(labels: ArrayLike<number> | readonly string[], classes: Classes): number[] {
  const numClasses = countOf(classes);
  if (labels.length === 0) throw new BadRequestError('labels: empty list; give at least one class index');
  if (labels.length > MAX_IMAGES_PER_REQUEST) throw new BadRequestError(tooMany(labels.length));
  const out = new Array<number>(labels.length);
  for (let i = 0; i < labels.length; i++) {
    let v: unknown = labels[i];
    if (typeof v === 'string') {
      const named = nameIndex(v, classes);
      if (named === null) throw new BadRequestError(`labels[${i}]: ${notAClass(v, classes, true)}`);
      v = named;
    }
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
