/**
 * How many cases each property-based test (fast-check) runs: FUZZ_RUNS, default 200 so the suite
 * stays fast in CI; `FUZZ_RUNS=100000 node --test ...fuzz.test.ts` explores more (docs/serving.md).
 * FUZZ_SEED replays a run that failed (fast-check prints the seed and the shrunk counterexample).
 */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 200);
export const FUZZ_SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

export const fuzzParams = { numRuns: FUZZ_RUNS, seed: FUZZ_SEED, endOnFailure: true } as const;
