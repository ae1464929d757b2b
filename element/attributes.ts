/**
 * The `<cgan-generator>` attributes, parsed and checked without a DOM (so Node's test runner can
 * test them): each bad value is an error that names the attribute and what it accepts.
 */
import { DEVICES, MODEL_DTYPES, type Device, type ModelDtype } from '@cgan-onnx/runtime/core';

export interface ElementSettings {
  src: string | null;
  /**
   * A label spec ("0-9", "3,3,7", "Sneaker,Bag": names or indices), checked against the model when it
   * is loaded; null (no attribute): every class of the model.
   */
  labels: string | null;
  seed: number;
  device: Device;
  /** Which file of the model (`fp16`: `x.fp16.onnx` for `src="x.onnx"`); null: `src` as written. */
  dtype: ModelDtype | null;
  /** Images per label. */
  count: number;
  /** Grid columns; null: one row per label when count > 1, else a square. */
  cols: number | null;
  /** Integer upscaling of the drawn grid. */
  scale: number;
}

/** Names the element observes; a change to any of them redraws (src, device and dtype reload the model). */
export const OBSERVED = ['src', 'labels', 'seed', 'device', 'dtype', 'count', 'cols', 'scale'] as const;
export type ObservedAttribute = (typeof OBSERVED)[number];

/** Device names a page may ask for: the browser column of the runtime's one device table. */
export function browserDevices(): Device[] {
  return ['auto', ...(Object.keys(DEVICES.browser) as Device[])];
}

function int(name: string, v: string | null, dflt: number, min: number, max: number): number {
  if (v === null || v.trim() === '') return dflt;
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || n < min || n > max)
    throw new Error(`<cgan-generator> ${name}="${v}": expected a whole number from ${min} to ${max}`);
  return n;
}

export function readSettings(get: (name: string) => string | null): ElementSettings {
  const device = (get('device') ?? 'auto').trim() || 'auto';
  const devices = browserDevices();
  if (!devices.includes(device as Device))
    throw new Error(`<cgan-generator> device="${device}": expected one of ${devices.join(', ')}`);
  const dtype = get('dtype')?.trim() || null;
  if (dtype !== null && !MODEL_DTYPES.includes(dtype as ModelDtype))
    throw new Error(`<cgan-generator> dtype="${dtype}": expected one of ${MODEL_DTYPES.join(', ')}`);
  const cols = get('cols');
  const labels = get('labels');
  if (labels !== null && labels.trim() === '')
    throw new Error(
      '<cgan-generator> labels="": expected class names or indices, e.g. labels="0-9" or labels="Sneaker,Bag" ' +
        '(leave the attribute out for every class of the model)',
    );
  return {
    src: get('src'),
    labels,
    seed: int('seed', get('seed'), 0, 0, 0xffffffff),
    device: device as Device,
    dtype: dtype as ModelDtype | null,
    count: int('count', get('count'), 1, 1, 1024),
    cols: cols === null || cols.trim() === '' ? null : int('cols', cols, 1, 1, 1024),
    scale: int('scale', get('scale'), 1, 1, 64),
  };
}
