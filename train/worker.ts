/**
 * Worker-thread side of data-parallel training: owns one Replica and answers the pool's requests.
 * Protocol (structured-clone messages): `{id, op, ...}` in, `{id, ok, result | error}` out.
 */
import { parentPort } from 'node:worker_threads';
import { selectBackend, type BackendRequest } from './backend.ts';
import type { Hyper } from './run-files.ts';
import type { ArchConfig } from './model.ts';
import { Replica, type CriticShard, type GeneratorShard, type Group } from './replica.ts';
import type { StoredTensor } from './safetensors.ts';

export type Request =
  | { id: number; op: 'init'; arch: ArchConfig; hyper: Hyper; seed: number; backend: BackendRequest }
  | { id: number; op: 'critic'; shard: CriticShard; fullBatch: number }
  | { id: number; op: 'generator'; shard: GeneratorShard; fullBatch: number }
  | { id: number; op: 'apply'; group: Group; grads: Float32Array }
  | { id: number; op: 'generate'; z: Float32Array; labels: Int32Array }
  | { id: number; op: 'state' }
  | { id: number; op: 'load'; tensors: Record<string, StoredTensor>; adamT: Record<Group, number> };

export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

let replica: Replica | undefined;

async function handle(req: Request): Promise<{ result: unknown; transfer?: ArrayBuffer[] }> {
  if (req.op === 'init') {
    const backend = await selectBackend(req.backend);
    replica = new Replica(req.arch, req.hyper, req.seed);
    return { result: { backend: backend.name, notes: backend.notes } };
  }
  if (!replica) throw new Error('worker used before init');
  switch (req.op) {
    case 'critic': {
      const r = await replica.criticStep(req.shard, req.fullBatch);
      return { result: r, transfer: [r.grads.buffer as ArrayBuffer] };
    }
    case 'generator': {
      const r = await replica.generatorStep(req.shard, req.fullBatch);
      return { result: r, transfer: [r.grads.buffer as ArrayBuffer] };
    }
    case 'apply':
      replica.apply(req.group, req.grads);
      return { result: null };
    case 'generate': {
      const images = await replica.generate(req.z, req.labels);
      return { result: images, transfer: [images.buffer as ArrayBuffer] };
    }
    case 'state':
      return { result: await replica.state() };
    case 'load':
      replica.load(req.tensors, req.adamT);
      return { result: null };
  }
}

parentPort!.on('message', (req: Request) => {
  handle(req).then(
    ({ result, transfer }) => parentPort!.postMessage({ id: req.id, ok: true, result } satisfies Reply, transfer ?? []),
    (e: unknown) =>
      parentPort!.postMessage({
        id: req.id,
        ok: false,
        error: e instanceof Error ? e.message : String(e),
      } satisfies Reply),
  );
});
