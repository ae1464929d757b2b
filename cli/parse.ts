/** Option parsers shared by the subcommands: commander reports their errors with the usage line. */
import { InvalidArgumentError } from 'commander';

/** An integer option in [min, max]; rejects "1.5", "1e3" and "" rather than rounding them. */
export function int(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        `${name} must be an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? 'inf' : max}], ` +
          `got ${JSON.stringify(v)}`,
      );
    }
    return n;
  };
}

/** A finite number option in [lo, hi]. */
export function num(name: string, lo: number, hi: number) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < lo || n > hi)
      throw new InvalidArgumentError(`${name} must be a number in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
    return n;
  };
}
