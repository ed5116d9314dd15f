"""Does the training loop stay out of the way? The fastai loop with readnet's callbacks vs a plain torch loop.

Both train ResNet-18 (`readnet.model.network.ReIDModel`, same initial weights) on the *same* pre-made P x K batches (random
images, P identities x K images, camera ids, already on the device) with the Angular Triplet Loss, in the fast path
of the device (`readnet.core.resolve_bf16`: channels_last, plus bf16 autocast on a GPU that has it or a CPU with
native bf16):
  torch          a plain loop: channels_last input, forward, ATL, backward, torch.optim.Adam (L2 weight decay), zero_grad
  fastai         `readnet.training.learner.readnet_learner(loss='atl')` as training uses it: fastai's Adam, the fast-path callbacks,
                 StopOnNaN, SkipValidation, SamplerEpoch, LossParts (evaluation removed, no progress bar)
  fastai+torchAdam  the same learner with torch.optim.Adam (through fastai's OptimWrapper): the loop without the
                 difference between the two Adam implementations
With --compile, also `torch+compile` and `fastai+compile` (`readnet.model.compile.TorchCompile`, inductor): the first
(warm-up) round then includes the compilation, printed separately.

Only the training batches are timed. Machines here drift by up to 4x within minutes, so the variants are interleaved
in one process (the order rotates each round), the first round is a discarded warm-up, and each ratio is computed per
round (paired) and summarised by its median and range. Goal: fastai / torch images/s >= 0.97 (<= 3 % slower).

    python bench/train_loop.py [--size 64 32] [--P 16] [--K 4] [--batches 3] [--rounds 5] [--threads 1] [--compile]
                               [--device cuda] [--arch resnet50]
"""
import argparse, copy, platform, statistics, time, warnings
from functools import partial
import torch
from fastai.callback.core import Callback
from fastai.data.core import DataLoaders
from fastai.data.load import DataLoader
from fastai.optimizer import OptimWrapper
from readnet.core import pick_device, resolve_bf16, set_seed, to_channels_last
from readnet.evaluation.metrics import ReIDEvaluation
from readnet.model.losses import AngularTripletLoss
from readnet.model.network import ReIDModel
from readnet.training.learner import readnet_learner
from readnet.model.compile import TorchCompile, compile_model

LR, WD = 2e-4, 5e-4

def cpu_name():
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()

def make_batches(n, P, K, size, device, n_cams=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    pids = torch.arange(P).repeat_interleave(K)
    return [tuple(t.to(device) for t in (torch.randn(P * K, 3, *size, generator=g), pids,
                                         torch.randint(0, n_cams, (P * K,), generator=g))) for _ in range(n)]

def synchronize(device):
    "Wait for the device's queued work (timings of a GPU loop must include it)."
    if device.type == 'cuda': torch.cuda.synchronize(device)

def device_name(device):
    if device.type == 'cuda': return f"GPU: {torch.cuda.get_device_name(device)}"
    return f"CPU: {cpu_name()} | capability {torch.backends.cpu.get_cpu_capability()}"

class TorchLoop:
    "A plain PyTorch training loop doing what the fastai learner does per batch."
    def __init__(self, model, device, bf16, compiled=False):
        self.model, self.device, self.bf16 = to_channels_last(model.to(device)), device, bf16
        self.loss = AngularTripletLoss()
        if compiled: compile_model(model)
        self.opt = torch.optim.Adam(model.parameters(), lr=LR, weight_decay=WD)
    def epoch(self, batches):
        self.model.train()
        synchronize(self.device)
        start = time.perf_counter()
        for x, pid, cam in batches:
            x = x.contiguous(memory_format=torch.channels_last)
            with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16): feats = self.model(x)
            loss = self.loss(feats.float(), pid)
            loss.backward(); self.opt.step(); self.opt.zero_grad()
        synchronize(self.device)
        return time.perf_counter() - start

class _TrainTimer(Callback):
    "Time the training phase of an epoch (the device's queued work included)."
    order = 100
    def before_train(self): synchronize(self.dls.device); self.start = time.perf_counter()
    def after_train(self): synchronize(self.dls.device); self.seconds = time.perf_counter() - self.start

class FastaiLoop:
    "`readnet_learner` over the same batches, evaluation removed."
    def __init__(self, state, batches, arch, device, bf16, torch_adam=False, compiled=False):
        dl = DataLoader(batches, bs=None, device=device)  # pre-made batches: no collation
        dls = DataLoaders(dl, dl, device=device)
        dls.n_inp, dls.n_cams = 1, 6
        self.timer = _TrainTimer()
        cbs = [self.timer] + ([TorchCompile()] if compiled else [])
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # "no --weights file": the same random initial weights are loaded below
            self.learn = readnet_learner(dls, loss='atl', arch=arch, bf16=bf16, lr=LR, wd=WD, cbs=cbs)
        self.learn.remove_cb(ReIDEvaluation)
        self.learn.model.load_state_dict(state)
        if torch_adam: self.learn.opt_func = partial(OptimWrapper, opt=torch.optim.Adam)
    def epoch(self, batches):
        with self.learn.no_bar(), self.learn.no_logging(): self.learn.fit(1, lr=LR)
        return self.timer.seconds

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--arch', default='resnet18')
    p.add_argument('--size', type=int, nargs=2, default=(64, 32), help='image height and width')
    p.add_argument('--P', type=int, default=16); p.add_argument('--K', type=int, default=4)
    p.add_argument('--batches', type=int, default=3, help='batches per variant per round')
    p.add_argument('--rounds', type=int, default=5, help='timed rounds (after one discarded warm-up round)')
    p.add_argument('--threads', type=int, default=1, help='torch threads (1 is steadier on a shared machine)')
    p.add_argument('--compile', action='store_true', help='also time torch.compile (inductor) variants')
    p.add_argument('--device', default='cpu', help="'cpu' or 'cuda'")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    device = pick_device(a.device)
    bf16 = resolve_bf16(None, device)
    print(f"{device_name(device)} | torch {torch.__version__} | {torch.get_num_threads()} CPU threads | "
          f"{'bf16 autocast + ' if bf16 else 'fp32 + '}channels_last")
    print(f"{a.arch}, P {a.P} x K {a.K} = {a.P * a.K} images of {a.size[0]}x{a.size[1]} per batch, ATL, {a.batches} "
          f"batches per variant, 1 warm-up + {a.rounds} timed rounds, variants interleaved", flush=True)
    set_seed(0)
    batches = make_batches(a.batches, a.P, a.K, tuple(a.size), device)
    base = ReIDModel(a.arch)
    state = copy.deepcopy(base.state_dict())
    variants = {'torch': TorchLoop(copy.deepcopy(base), device, bf16),
                'fastai': FastaiLoop(state, batches, a.arch, device, bf16),
                'fastai+torchAdam': FastaiLoop(state, batches, a.arch, device, bf16, torch_adam=True)}
    if a.compile:
        variants['torch+compile'] = TorchLoop(copy.deepcopy(base), device, bf16, compiled=True)
        variants['fastai+compile'] = FastaiLoop(state, batches, a.arch, device, bf16, compiled=True)
    keys, n = list(variants), a.P * a.K * a.batches
    rates, warm = {k: [] for k in keys}, {}
    t0 = time.perf_counter()
    for r in range(a.rounds + 1):
        for k in keys[r % len(keys):] + keys[:r % len(keys)]:
            secs = variants[k].epoch(batches)
            if r: rates[k].append(n / secs)
            else: warm[k] = secs
        print(f"round {r}{' (warm-up, discarded)' if r == 0 else ''} done at {time.perf_counter() - t0:.0f} s", flush=True)

    def summary(xs): return f"{statistics.median(xs):7.3f}  [{min(xs):.3f}-{max(xs):.3f}]"
    print(f"\n{'variant':18s} {'images/s, median [min-max]':>30s}   warm-up round (s)")
    for k in keys: print(f"{k:18s} {summary(rates[k]):>30s}   {warm[k]:.1f}")
    print("\nratios per round (paired), median [min-max]:")
    def ratio(a_, b_): return [x / y for x, y in zip(rates[a_], rates[b_])]
    print(f"  fastai / torch            {summary(ratio('fastai', 'torch'))}   (goal >= 0.97)")
    print(f"  fastai+torchAdam / torch  {summary(ratio('fastai+torchAdam', 'torch'))}   (goal >= 0.97)")
    if a.compile:
        for loop in ('torch', 'fastai'):
            print(f"  {loop}+compile / {loop:6s}    {summary(ratio(loop + '+compile', loop))}   (> 1: compile pays; its "
                  f"warm-up took {warm[loop + '+compile'] - warm[loop]:+.0f} s more: the compilation, or less where "
                  "inductor's cache already held the kernels)")
    print(f"total {time.perf_counter() - t0:.0f} s")

if __name__ == '__main__': main()
