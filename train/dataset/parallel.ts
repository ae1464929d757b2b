/** Work over many items with a bounded number in flight (decoding a folder holds `limit` files at a time). */

/** Calls `fn(i)` for i in [0, n), at most `limit` at once; resolves when all have settled or one throws. */
export async function forEachLimit(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runner = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, runner));
}
