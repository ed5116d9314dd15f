"""Cost of the adversarial camera network: per-batch training time with and without `CameraAdversary` (k=1).

Also measured, for information: the `strong` discriminator recipe (`readnet.camera.adversary.DISCRIMINATORS`: k=5 steps at
lr 1e-3 on standardised input), the one that measurably lowers the camera probe (nbs/06_adversary).

Two fastai Learners train on the *same* pre-made P*K batches (random 128x64 images, P identities x K images, camera
ids 0..n_cams-1): one plain, one with `CameraAdversary(k=1)` (which wraps the extractor in `AdversarialModel` and adds
one discriminator step, one extra discriminator forward and its backward per batch). Both start from the same
weights (ReIDModel, fp32, the readnet TripletLoss, fastai Adam). Only the training phase is timed (validation is
skipped). Machines here drift by up to 4x within minutes, so the two variants alternate in one process (the order
flips each round), the first round is a discarded warm-up, and the ratio is computed per round (paired) and summarised
by its median and range. Goal: ratio <= 1.10.

    python bench/adversary.py [--arch resnet18] [--P 8] [--K 4] [--batches 3] [--rounds 6] [--threads 0]
"""
import argparse, copy, platform, statistics, time
import torch
from fastai.callback.core import Callback, CancelValidException
from fastai.data.core import DataLoaders
from fastai.data.load import DataLoader
from fastai.learner import Learner
from readnet.core import set_seed
from readnet.model.losses import TripletLoss
from readnet.model.network import ReIDModel
from readnet.camera.adversary import CameraAdversary
from readnet.camera.adversary import DISCRIMINATORS

def cpu_name():
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()

class _TrainTimer(Callback):
    "Time the training phase of an epoch; skip validation."
    order = 100
    def before_train(self): self.start, self.own = time.perf_counter(), 0.
    def after_train(self): self.seconds = time.perf_counter() - self.start
    def before_validate(self): raise CancelValidException()

def make_batches(n, P, K, n_cams, size=(128, 64), seed=0):
    g = torch.Generator().manual_seed(seed)
    pids = torch.arange(P).repeat_interleave(K)
    return [(torch.randn(P * K, 3, *size, generator=g), pids, torch.randint(0, n_cams, (P * K,), generator=g))
            for _ in range(n)]

def make_learner(model, batches, n_cams, recipe):
    dl = DataLoader(batches, bs=None, num_workers=0)  # items are ready-made batches
    dls = DataLoaders(dl, DataLoader(batches[:1], bs=None, num_workers=0))
    dls.n_inp, dls.n_cams = 1, n_cams
    timer = _TrainTimer()
    learn = Learner(dls, model, loss_func=TripletLoss(), lr=2e-4,
                    cbs=[timer] + ([CameraAdversary(**recipe)] if recipe is not None else []))
    learn.create_mbar, learn.logger = False, lambda *a: None
    if recipe is not None: _time_method(learn.camera_adversary, 'after_loss', timer)
    return learn, timer

def _time_method(cb, name, timer):
    "Accumulate the wall time of `cb.name` (the callback's own work: D's steps and the adversarial forward)."
    f = getattr(cb, name)  # `timer.own` is reset by the timer's before_train
    def timed():
        t = time.perf_counter(); f(); timer.own += time.perf_counter() - t
    setattr(cb, name, timed)

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--arch', default='resnet18'); ap.add_argument('--P', type=int, default=8)
    ap.add_argument('--K', type=int, default=4); ap.add_argument('--n_cams', type=int, default=6)
    ap.add_argument('--batches', type=int, default=3); ap.add_argument('--rounds', type=int, default=6)
    ap.add_argument('--threads', type=int, default=0, help='torch threads (0 = leave the default)')
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    print(f"CPU: {cpu_name()} | torch {torch.__version__} | capability {torch.backends.cpu.get_cpu_capability()} | "
          f"threads {torch.get_num_threads()}")
    print(f"{a.arch}, batch {a.P}x{a.K} at 128x64, {a.n_cams} cameras, {a.batches} batches per variant per round, "
          f"{a.rounds} timed rounds + 1 warm-up")
    set_seed(0)
    base = ReIDModel(a.arch)
    batches = make_batches(a.batches, a.P, a.K, a.n_cams)
    recipes = {'plain': None, 'adversary': dict(k=1), 'strong': dict(DISCRIMINATORS['strong'])}
    learners = {name: make_learner(copy.deepcopy(base), batches, a.n_cams, recipe) for name, recipe in recipes.items()}
    times, own = {name: [] for name in learners}, []
    for r in range(a.rounds + 1):
        names = list(learners)
        for name in names[r % len(names):] + names[:r % len(names)]:  # the order rotates each round
            learn, timer = learners[name]
            with learn.no_bar(): learn.fit(1)
            if r: times[name].append(timer.seconds / a.batches)
            if r and name == 'adversary': own.append(timer.own / a.batches)
    ratios = [b / p for p, b in zip(times['plain'], times['adversary'])]
    strong_ratios = [b / p for p, b in zip(times['plain'], times['strong'])]
    # the callback's own share of a batch: immune to the machine's drift between the two variants
    own_share = [o / t for o, t in zip(own, times['adversary'])]
    for name, ts in times.items():
        print(f"{name:>10}: {statistics.median(ts) * 1e3:8.1f} ms/batch (median; range {min(ts) * 1e3:.1f}-{max(ts) * 1e3:.1f})")
    print(f"ratio adversary/plain: median {statistics.median(ratios):.3f} (range {min(ratios):.3f}-{max(ratios):.3f}); "
          f"goal <= 1.10: {'met' if statistics.median(ratios) <= 1.10 else 'NOT met'}")
    print(f"ratio strong recipe (k=5)/plain: median {statistics.median(strong_ratios):.3f} "
          f"(range {min(strong_ratios):.3f}-{max(strong_ratios):.3f}); for information")
    print(f"CameraAdversary.after_loss (D step + adversarial forward): {statistics.median(own) * 1e3:.2f} ms/batch = "
          f"{statistics.median(own_share) * 100:.2f} % of an adversarial batch (median; range "
          f"{min(own_share) * 100:.2f}-{max(own_share) * 100:.2f} %); D's backward inside the extractor's is not included")

if __name__ == '__main__': main()
