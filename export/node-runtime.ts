/**
 * The onnxruntime-node runtime that export's parity check and `cgan eval` run exported models on. The CLI
 * (cgan-onnx) depends on onnxruntime-node and hands its runtime in with useNodeRuntime() before it calls the
 * training package, so @cgan-onnx/train neither installs a second onnxruntime-node (288 MB) nor needs one it
 * could not resolve: a global install keeps each package's dependencies under that package. Without a handed-in
 * runtime (the repository's tests and benches) the runtime entry is imported directly.
 */
type NodeRuntime = typeof import('../runtime/node.ts');

let handedIn: NodeRuntime | undefined;

export function useNodeRuntime(runtime: NodeRuntime): void {
  handedIn = runtime;
}

export async function nodeRuntime(): Promise<NodeRuntime> {
  return handedIn ?? (await import('../runtime/node.ts'));
}
