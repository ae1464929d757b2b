/** Accuracy of class predictions, overall and per class. */

export interface Accuracy {
  /** Share of predictions equal to their label. */
  overall: number;
  /** Per class: share of that class's items predicted as it (NaN where a class has no items). */
  perClass: number[];
  /** Items per class. */
  counts: number[];
  /** Items in all. */
  total: number;
}

export function accuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): Accuracy {
  if (predictions.length !== labels.length)
    throw new Error(`accuracy: ${predictions.length} predictions for ${labels.length} labels`);
  const right = new Array<number>(numClasses).fill(0);
  const counts = new Array<number>(numClasses).fill(0);
  let ok = 0;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!(l >= 0 && l < numClasses)) throw new Error(`accuracy: label ${l} at ${i} is outside [0, ${numClasses})`);
    counts[l]++;
    if (predictions[i] === l) {
      right[l]++;
      ok++;
    }
  }
  return {
    overall: labels.length ? ok / labels.length : NaN,
    perClass: right.map((r, c) => (counts[c] ? r / counts[c] : NaN)),
    counts,
    total: labels.length,
  };
}
