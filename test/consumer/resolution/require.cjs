// Consumer check (f): CommonJS require() of the package (Node's require(esm): 20.19+, 22.12+).
// Usage: node require.cjs MODEL.onnx -> {device, count, first} for labels 0-2, seed 1.
const { Generator } = require('@cgan-onnx/runtime');

(async () => {
  const g = await Generator.load(process.argv[2], { device: 'cpu' });
  const images = await g.generate({ labels: '0-2', seed: 1 });
  console.log(JSON.stringify({ device: g.device, count: images.count, first: images.data[0] }));
  await g.dispose();
})();
