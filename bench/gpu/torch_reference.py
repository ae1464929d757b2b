"""PyTorch reference for the GPU benchmark (bench/gpu/run.sh runs it next to the Node half).

The same model as train/model.ts (the seed notebook's conditional generator and critic, NCHW here)
and the same step as train/replica.ts + train/loss.ts: a critic update on D(fake) - D(real) + 10 *
gradient penalty (double backprop, fakes made without gradient, interpolation per sample), Adam
2e-4 (0.5, 0.9), and a generator update every 5th critic step; the step's scores are read back
every step, as the Node trainer does. Timing: mean ms per critic step over the timed steps with the
generator steps included, after 5 warm-up steps; inference: img/s of the generator's forward.
fp32 throughout (TF32 off), to match WebGPU's fp32. Not a project dependency: a benchmark file.

  python3 bench/gpu/torch_reference.py --json torch.json [--device cuda] [--train-batches 64,256]
"""
import argparse
import json
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
p.add_argument("--json")
args = p.parse_args()
dev = torch.device(args.device)
torch.backends.cudnn.allow_tf32 = False
torch.backends.cuda.matmul.allow_tf32 = False
torch.manual_seed(0)
Z, EMB, G, C, N, K = 128, 128, 128, 64, 10, 5


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(N, EMB)
        self.dense = nn.Linear(Z + EMB, 7 * 7 * G)
        self.deconv1 = nn.ConvTranspose2d(G, G, 4, 2, 1)
        self.deconv2 = nn.ConvTranspose2d(G, G, 4, 2, 1)
        self.conv = nn.Conv2d(G, 1, 3, 1, 1)

    def forward(self, z, c):
        x = F.leaky_relu(self.dense(torch.cat([z, self.emb(c)], 1)), 0.2).view(-1, G, 7, 7)
        x = F.leaky_relu(self.deconv1(x), 0.2)
        x = F.leaky_relu(self.deconv2(x), 0.2)
        return torch.tanh(self.conv(x))


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(N, 28 * 28)
        self.conv1 = nn.Conv2d(2, C, 4, 2, 1)
        self.conv2 = nn.Conv2d(C, C, 4, 2, 1)
        self.dense = nn.Linear(7 * 7 * C, 1)

    def forward(self, x, c):
        x = torch.cat([x, self.emb(c).view(-1, 1, 28, 28)], 1)
        x = F.leaky_relu(self.conv1(x), 0.2)
        x = F.leaky_relu(self.conv2(x), 0.2)
        return self.dense(x.flatten(1)).squeeze(1)


def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize()


def train_speed(b):
    g, d = Generator().to(dev), Critic().to(dev)
    og = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.9))
    od = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.9))
    real = torch.rand(b, 1, 28, 28, device=dev) * 2 - 1
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

    for i in range(5):
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


name = torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu"
out = {"device": name, "torch": torch.__version__, "train": {}, "infer": {}}
for b in [int(x) for x in args.train_batches.split(",")]:
    ms = train_speed(b)
    out["train"][str(b)] = {"msPerStep": ms}
    print(f"PyTorch {out['device']}: training batch {b}: {ms:.1f} ms per critic step", flush=True)
for b in [int(x) for x in args.infer_batches.split(",")]:
    ips = infer_speed(b)
    out["infer"][str(b)] = ips
    print(f"PyTorch {out['device']}: generator batch {b}: {ips:.0f} img/s", flush=True)
if args.json:
    with open(args.json, "w") as f:
        json.dump(out, f, indent=2)
