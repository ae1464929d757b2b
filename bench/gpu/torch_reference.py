"""PyTorch reference for the GPU benchmark (bench/gpu/run.sh runs it next to the Node half).

The same model as train/model.ts (the seed notebook's conditional generator and critic, NCHW here)
and the same step as train/replica.ts + train/loss.ts: a critic update on D(fake) - D(real) + 10 *
gradient penalty (double backprop, fakes made without gradient, interpolation per sample), Adam
2e-4 (0.5, 0.9), and a generator update every 5th critic step; the step's scores are read back
every step, as the Node trainer does. Timing: mean ms per critic step over the timed steps with the
generator steps included, after 5 warm-up steps; inference: img/s of the generator's forward.
fp32 throughout (TF32 off), to match WebGPU's fp32. Not a project dependency: a benchmark file.

The model is sized as runtime/generator-contract.ts sizes it (--image-size, --channels, --classes;
the seed's 28x28x1 with 10 classes by default): as many stride-2 blocks as leave an integer side
of at least 4 (28 -> 7 x 2 blocks, 32 -> 4 x 3, 64 -> 4 x 4), a transposed conv per block in the
generator and a conv per block in the critic, whose label plane is image-sized. On the CPU it runs
--threads intra-op threads (default: every core; Debian's 1.13 otherwise starts with one on the
2-core development machine). bench/train-vs-torch.ts runs it beside the Node trainer on the CPU.

  python3 bench/gpu/torch_reference.py --json torch.json [--device cuda] [--train-batches 64,256]
  python3 bench/gpu/torch_reference.py --device cpu --image-size 64 --channels 3 --train-batches 16 \
      --infer-batches '' --steps 10
"""
import argparse
import json
import os
import time

import torch
from torch import nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
p.add_argument("--train-batches", default="64,256")
p.add_argument("--infer-batches", default="64,1024")
p.add_argument("--steps", type=int, default=30)
p.add_argument("--runs", type=int, default=10)
p.add_argument("--warmup", type=int, default=5, help="untimed training steps first")
p.add_argument("--image-size", type=int, default=28)
p.add_argument("--channels", type=int, default=1)
p.add_argument("--classes", type=int, default=10)
p.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)), help="intra-op threads on the CPU")
p.add_argument("--json")
args = p.parse_args()
dev = torch.device(args.device)
torch.backends.cudnn.allow_tf32 = False
torch.backends.cuda.matmul.allow_tf32 = False
if dev.type == "cpu":
    torch.set_num_threads(args.threads)
torch.manual_seed(0)
Z, EMB, G, C, K = 128, 128, 128, 64, 5
N, S, CH = args.classes, args.image_size, args.channels


def stride_blocks(size):
    """runtime/generator-contract.ts's strideBlocks: halvings that leave an integer side >= 4."""
    k = 0
    while size % 2 == 0 and size // 2 >= 4:
        size //= 2
        k += 1
    return k


BLOCKS = stride_blocks(S)
BASE = S >> BLOCKS


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(N, EMB)
        self.dense = nn.Linear(Z + EMB, BASE * BASE * G)
        self.deconvs = nn.ModuleList(nn.ConvTranspose2d(G, G, 4, 2, 1) for _ in range(BLOCKS))
        self.conv = nn.Conv2d(G, CH, 3, 1, 1)

    def forward(self, z, c):
        x = F.leaky_relu(self.dense(torch.cat([z, self.emb(c)], 1)), 0.2).view(-1, G, BASE, BASE)
        for deconv in self.deconvs:
            x = F.leaky_relu(deconv(x), 0.2)
        return torch.tanh(self.conv(x))


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(N, S * S)
        self.convs = nn.ModuleList(nn.Conv2d(CH + 1 if i == 0 else C, C, 4, 2, 1) for i in range(BLOCKS))
        self.dense = nn.Linear(BASE * BASE * C, 1)

    def forward(self, x, c):
        x = torch.cat([x, self.emb(c).view(-1, 1, S, S)], 1)
        for conv in self.convs:
            x = F.leaky_relu(conv(x), 0.2)
        return self.dense(x.flatten(1)).squeeze(1)


def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize()


def train_speed(b):
    g, d = Generator().to(dev), Critic().to(dev)
    og = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.9))
    od = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.9))
    real = torch.rand(b, CH, S, S, device=dev) * 2 - 1
    c = torch.arange(b, device=dev) % N
    z = torch.randn(b, Z, device=dev)

    def step(i):
        with torch.no_grad():
            fake = g(z, c)
        scores = d(torch.cat([real, fake]), torch.cat([c, c]))
        s_real, s_fake = scores[:b].mean(), scores[b:].mean()
        a = torch.rand(b, 1, 1, 1, device=dev)
        xhat = (a * real + (1 - a) * fake).requires_grad_(True)
        grad, = torch.autograd.grad(d(xhat, c).sum(), xhat, create_graph=True)
        gp = ((grad.flatten(1).square().sum(1) + 1e-12).sqrt() - 1).square().mean()
        loss = s_fake - s_real + 10 * gp
        od.zero_grad(set_to_none=True)
        loss.backward()
        od.step()
        torch.stack([s_real, s_fake, gp]).tolist()  # read back, as the Node trainer does
        if (i + 1) % K == 0:
            gl = -d(g(z, c), c).mean()
            og.zero_grad(set_to_none=True)
            gl.backward()
            og.step()
            gl.item()

    for i in range(args.warmup):
        step(i)
    sync()
    t0 = time.perf_counter()
    for i in range(args.steps):
        step(i)
    sync()
    return (time.perf_counter() - t0) * 1000 / args.steps


def infer_speed(b):
    g = Generator().to(dev).eval()
    c = torch.arange(b, device=dev) % N
    z = torch.randn(b, Z, device=dev)
    with torch.no_grad():
        g(z, c).cpu()
        sync()
        t0 = time.perf_counter()
        for _ in range(args.runs):
            g(z, c).cpu()  # to host memory, as onnxruntime-node returns it
        sync()
    return b * args.runs / (time.perf_counter() - t0)


def blas_library():
    """The BLAS libraries this process mapped: Debian's torch takes whichever libblas.so.3 the
    system's alternative (or LD_LIBRARY_PATH) gives, and the reference BLAS (libblas3, what is left
    without OpenBLAS installed) runs its products about 15x slower than OpenBLAS."""
    torch.ones(2, 2) @ torch.ones(2, 2)
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "/" in line}
    except OSError:
        return "unknown"
    return ", ".join(sorted(p for p in paths if "blas" in os.path.basename(p).lower())) or "none"


name = torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu"
out = {
    "blas": blas_library(),
    "device": name,
    "torch": torch.__version__,
    "threads": torch.get_num_threads(),
    "shape": [S, S, CH],
    "classes": N,
    "steps": args.steps,
    "train": {},
    "infer": {},
}
batches = lambda v: [int(x) for x in v.split(",") if x]
for b in batches(args.train_batches):
    ms = train_speed(b)
    out["train"][str(b)] = {"msPerStep": ms}
    print(f"PyTorch {out['device']} {S}x{S}x{CH}: training batch {b}: {ms:.1f} ms per critic step", flush=True)
for b in batches(args.infer_batches):
    ips = infer_speed(b)
    out["infer"][str(b)] = ips
    print(f"PyTorch {out['device']}: generator batch {b}: {ips:.0f} img/s", flush=True)
if args.json:
    with open(args.json, "w") as f:
        json.dump(out, f, indent=2)
