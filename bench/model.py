"""Training speed of the READNET extractor on this CPU (ResNet-50, 128x64 images, as the paper).

Six variants train on the *same* pre-made batches: {fp32, channels_last, bf16+channels_last} x {a plain torch loop,
a fastai `Learner` with `readnet.model.network.fast_path_callbacks`}. Each variant has its own copy of the model (same initial
weights) and the same optimizer (torch Adam, lr 2e-4, wrapped in fastai's `OptimWrapper` for the Learner), so the
fastai/torch ratio measures the Learner's loop and callbacks only. The loss is a cheap stand-in (cross-entropy on the
first P feature dimensions): its cost is negligible next to the ResNet.

Machines here drift by up to 4x within minutes, so the variants are interleaved in one process (the order rotates each
round), the first round is a discarded warm-up, and ratios are computed per round (paired) and summarised by their
median and range. Defaults: the paper's batch, P*K = 32*4 = 128, one batch per variant per round, 6 timed rounds
(about 2.5 minutes on 2 cores). The bf16 gain grows with the batch: measured on a 2-core AMD EPYC with AVX512-BF16
(no AMX), bf16+channels_last / fp32 was ~1.9x at batch 32, ~2.1x at 64 and 2.5-3.2x at 128 (the fixed per-step costs,
optimiser and weight casts, weigh less, and fp32 activations outgrow the caches).
On a CPU without native bf16 (AVX2-only) the bf16 variants are skipped unless --force-bf16: there they are 10-45x slower.

    python bench/model.py [--arch resnet50] [--bs 128] [--batches 1] [--rounds 6] [--force-bf16] [--threads N]
"""
import argparse, copy, platform, statistics, time
from functools import partial
import torch
import torch.nn.functional as F
from fastai.callback.core import Callback, CancelValidException
from fastai.data.core import DataLoaders
from fastai.data.load import DataLoader
from fastai.learner import Learner
from fastai.optimizer import OptimWrapper
from readnet.core import cpu_bf16_supported, set_seed
from readnet.model.network import ReIDModel, fast_path_callbacks

PRECISIONS = {'fp32': dict(cl=False, bf16=False), 'channels_last': dict(cl=True, bf16=False),
              'bf16+channels_last': dict(cl=True, bf16=True)}
LR = 2e-4

def stand_in_loss(feats, pid): return F.cross_entropy(feats[:, :int(pid.max()) + 1].float(), pid)

def cpu_name():
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()

class TorchLoop:
    "A plain PyTorch training loop: optional channels_last inputs/weights and bf16 autocast of the forward pass."
    def __init__(self, model, cl, bf16):
        self.model, self.cl, self.bf16 = model, cl, bf16
        if cl: model.to(memory_format=torch.channels_last)
        self.opt = torch.optim.Adam(model.parameters(), lr=LR)
    def epoch(self, batches):
        self.model.train()
        start = time.perf_counter()
        for x, pid in batches:
            if self.cl: x = x.contiguous(memory_format=torch.channels_last)
            with torch.autocast('cpu', dtype=torch.bfloat16, enabled=self.bf16): feats = self.model(x)
            loss = stand_in_loss(feats.float(), pid)
            loss.backward(); self.opt.step(); self.opt.zero_grad()
        return time.perf_counter() - start

class _TrainTimer(Callback):
    "Time the training phase of an epoch; skip validation."
    order = 100
    def before_train(self): self.start = time.perf_counter()
    def after_train(self): self.seconds = time.perf_counter() - self.start
    def before_validate(self): raise CancelValidException()

class FastaiLoop:
    "A fastai `Learner` over the same batches, with `fast_path_callbacks` for channels_last / bf16."
    def __init__(self, model, cl, bf16, batches):
        dl = DataLoader(batches, bs=None)  # the batches are pre-made: no collation
        cbs = fast_path_callbacks(bf16=bf16, device='cpu') if cl else []
        self.timer = _TrainTimer()
        self.learn = Learner(DataLoaders(dl, dl), model, loss_func=stand_in_loss, lr=LR,
                             opt_func=partial(OptimWrapper, opt=torch.optim.Adam), cbs=cbs + [self.timer])
    def epoch(self, batches):
        with self.learn.no_bar(), self.learn.no_logging(): self.learn.fit(1, lr=LR)
        return self.timer.seconds

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--arch', default='resnet50'); p.add_argument('--bs', type=int, default=128)
    p.add_argument('--batches', type=int, default=1, help='batches per variant per round')
    p.add_argument('--rounds', type=int, default=6, help='timed rounds (after one discarded warm-up round)')
    p.add_argument('--force-bf16', action='store_true', help='run bf16 even where the CPU has no native bf16')
    p.add_argument('--threads', type=int, default=None, help="torch threads (default: torch's); 1 is steadier on a "
                   "machine shared with other jobs, where OpenMP threads wait on each other")
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    native = cpu_bf16_supported()
    print(f"CPU: {cpu_name()} | torch capability {torch.backends.cpu.get_cpu_capability()} | native bf16 {native} | "
          f"{torch.get_num_threads()} threads | torch {torch.__version__}")
    precisions = [k for k in PRECISIONS if native or a.force_bf16 or not PRECISIONS[k]['bf16']]
    if len(precisions) < len(PRECISIONS): print("bf16 skipped: no native bf16 on this CPU (--force-bf16 runs it)")
    print(f"{a.arch}, {a.bs} images of 128x64 per batch, {a.batches} batches per variant, "
          f"1 warm-up + {a.rounds} timed rounds, variants interleaved", flush=True)

    set_seed(0)
    batches = [(torch.randn(a.bs, 3, 128, 64), torch.arange(a.bs) // 4) for _ in range(a.batches)]
    base = ReIDModel(a.arch)
    variants = {}
    for prec in precisions:
        cfg = PRECISIONS[prec]
        variants[(prec, 'torch')] = TorchLoop(copy.deepcopy(base), **cfg)
        variants[(prec, 'fastai')] = FastaiLoop(copy.deepcopy(base), **cfg, batches=batches)
    keys = list(variants)
    rates = {k: [] for k in keys}
    t0 = time.perf_counter()
    for r in range(a.rounds + 1):
        order = keys[r % len(keys):] + keys[:r % len(keys)]
        for k in order:
            secs = variants[k].epoch(batches)
            if r > 0: rates[k].append(a.bs * a.batches / secs)
        print(f"round {r}{' (warm-up, discarded)' if r == 0 else ''} done at {time.perf_counter() - t0:.0f} s",
              flush=True)

    def summary(xs): return f"{statistics.median(xs):6.3f}  [{min(xs):.3f}-{max(xs):.3f}]"
    print(f"\n{'images/s (median [min-max] over rounds)':42s} {'torch':>22s} {'fastai':>22s}")
    for prec in precisions:
        print(f"{prec:42s} {summary(rates[(prec, 'torch')]):>22s} {summary(rates[(prec, 'fastai')]):>22s}")
    print("\nratios per round (paired), median [min-max]:")
    for prec in precisions:
        ratio = [f / t for f, t in zip(rates[(prec, 'fastai')], rates[(prec, 'torch')])]
        print(f"  fastai / torch images/s, {prec:20s} {summary(ratio)}   (goal >= 0.99)")
    for prec in precisions[1:]:
        for loop in ('torch', 'fastai'):
            ratio = [b / f for b, f in zip(rates[(prec, loop)], rates[('fp32', loop)])]
            goal = '   (goal >= 2.5 with native bf16)' if 'bf16' in prec else ''
            print(f"  {prec} / fp32, {loop:6s} {summary(ratio)}{goal}")
    print(f"total {time.perf_counter() - t0:.0f} s")

if __name__ == '__main__': main()
