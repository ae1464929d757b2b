/**
 * Latent interpolation for the strip. Spherical (slerp), not linear: Gaussian noise vectors live
 * near a sphere of radius ~sqrt(zDim), and a straight line between two of them passes through
 * shorter vectors the generator rarely saw in training, which washes out the middle frames.
 */

/** `steps` vectors from a to b inclusive, as one row-major Float32Array [steps, a.length]. */
export function slerpStrip(a: Float32Array, b: Float32Array, steps: number): Float32Array {
  if (a.length !== b.length) throw new Error(`Noise lengths differ: ${a.length} vs ${b.length}`);
  if (!Number.isInteger(steps) || steps < 2) throw new Error(`Interpolation needs at least 2 steps, got ${steps}`);
  const n = a.length;
  let dot = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < n; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  const cos = Math.min(1, Math.max(-1, dot / Math.sqrt(na * nb || 1)));
  const omega = Math.acos(cos);
  const so = Math.sin(omega);
  const out = new Float32Array(steps * n);
  for (let s = 0; s < steps; s++) {
    const t = s / (steps - 1);
    // Nearly parallel vectors: slerp's weights are 0/0; linear is the limit.
    const wa = so < 1e-6 ? 1 - t : Math.sin((1 - t) * omega) / so;
    const wb = so < 1e-6 ? t : Math.sin(t * omega) / so;
    for (let i = 0; i < n; i++) out[s * n + i] = wa * a[i] + wb * b[i];
  }
  // The endpoints are exactly the seeds' noise, so the strip's ends match the single images.
  out.set(a, 0);
  out.set(b, (steps - 1) * n);
  return out;
}

/** The same vector `count` times: one noise shown under every class. */
export function repeatNoise(z: Float32Array, count: number): Float32Array {
  const out = new Float32Array(count * z.length);
  for (let i = 0; i < count; i++) out.set(z, i * z.length);
  return out;
}
