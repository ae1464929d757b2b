/**
 * Property-based tests of the KServe v2 request parser (outside bytes from any client): arbitrary
 * JSON values, mutated valid requests, and arbitrary bodies and headers through the whole server
 * end in a result or a 4xx naming the problem, never another exception, a 500 or a hang.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { readModelInfo, readOnnxSummary } from '../runtime/model-info.ts';
import { Generator } from '../runtime/node.ts';
import { noiseFromSeed } from '../runtime/random.ts';
import { testOnnx } from '../test/test-checkpoint.ts';
import { fuzzParams } from '../test/fuzz-runs.ts';
import { parseInferRequest, RequestError, type ServedModel } from './protocol.ts';
import { createServer, type Server } from './server.ts';

let model: ServedModel;
let g: Generator;
let s: Server;
before(async () => {
  const bytes = await testOnnx();
  model = { name: 'gen', version: '1', info: readModelInfo(bytes), summary: readOnnxSummary(bytes) };
  g = await Generator.load(bytes, { device: 'cpu' });
  s = await createServer(g, readOnnxSummary(bytes), {
    name: 'gen',
    maxDelayMs: 0,
    maxImages: 8,
    maxBodyBytes: 64 * 1024,
  });
});
after(async () => {
  await s.close();
  await g.dispose();
});

const parse = (body: unknown): 'ok' | 'refused' => {
  try {
    const r = parseInferRequest(body, model, 8);
    assert.equal(r.noise.length, r.labels.length * 16);
    return 'ok';
  } catch (e) {
    if (e instanceof RequestError && e.status >= 400 && e.status < 500) return 'refused';
    throw new Error(`not a RequestError: ${(e as Error)?.name}: ${(e as Error)?.message}`);
  }
};

const valid = (n: number) => ({
  id: 'x',
  inputs: [
    { name: 'z', shape: [n, 16], datatype: 'FP32', data: Array.from(noiseFromSeed(1, n, 16)) },
    { name: 'label', shape: [n], datatype: 'INT64', data: Array.from({ length: n }, (_, i) => i % 10) },
  ],
  outputs: [{ name: 'image', parameters: { binary_data: true } }],
});

/** Replaces the value at a path of a JSON tree (indices taken modulo, so every path lands). */
function mutate(v: unknown, path: number[], value: unknown): unknown {
  if (path.length === 0 || typeof v !== 'object' || v === null) return value;
  const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
  if (entries.length === 0) return value;
  const [key, child] = entries[path[0] % entries.length];
  const copy: Record<string, unknown> | unknown[] = Array.isArray(v) ? [...v] : { ...v };
  (copy as Record<string, unknown>)[key] = mutate(child, path.slice(1), value);
  return copy;
}

test('any JSON value as the body: parsed, or refused with a 4xx', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      parse(v);
    }),
    fuzzParams,
  );
});

test('a valid request with one value anywhere replaced: parsed, or refused with a 4xx', () => {
  const weird = fc.oneof(
    fc.jsonValue(),
    fc.constantFrom(1e39, -3e38, 1e308, 2 ** 53, -1, 0.5, '3', null, [], {}, [[[[1]]]], Number.MAX_VALUE),
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 9 }), fc.array(fc.nat(), { maxLength: 5 }), weird, (n, path, value) => {
      parse(mutate(valid(n), path, value));
    }),
    fuzzParams,
  );
});

test('arbitrary bodies and headers through the server: 200 or a 4xx with a JSON error, never a 500', async () => {
  const body = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.tuple(fc.integer({ min: 1, max: 3 }), fc.nat(3000), fc.string({ maxLength: 4 })).map(([n, cut, tail]) => {
      const t = JSON.stringify(valid(n));
      return t.slice(0, cut % (t.length + 1)) + tail;
    }),
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
  );
  const headers = fc.record(
    {
      'content-type': fc.constantFrom('application/json', 'text/plain', 'application/octet-stream', ''),
      'inference-header-content-length': fc.oneof(fc.nat().map(String), fc.string({ maxLength: 5 })),
    },
    { requiredKeys: [] },
  );
  await fc.assert(
    fc.asyncProperty(body, headers, async (payload, h) => {
      const r = await s.app.inject({ method: 'POST', url: '/v2/models/gen/infer', payload, headers: h });
      assert.ok(r.statusCode === 200 || (r.statusCode >= 400 && r.statusCode < 500), `${r.statusCode}: ${r.body}`);
      if (r.statusCode !== 200) assert.equal(typeof r.json().error, 'string', r.body);
    }),
    fuzzParams,
  );
});
