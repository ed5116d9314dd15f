"""Does Figure 1 fit its budget? The training runs of `readnet.paper.mnist.figure1` (2 losses x 3 seeds) in <= 5 minutes on a
2-core CPU, and the ATL margin selection (`choose_atl_margin`: 4 margins x 3 seeds) in <= 15 CPU-minutes.

Times `train_embedding` (the exact training path of `figure1`: ResNet-18 on 1x28x28, 2-D embedding, mining="none",
batch 128, fastai Adam one-cycle, fp32) for L_ori and L_atl on the same digits, alternating the two losses in one
process (machines here drift up to 4x within minutes; the first round is a discarded warm-up). Reports wall and CPU
seconds per training image, then projects the default figure: 2 losses x seeds x (epochs x 4,000 images + embedding
the 5,000 digits). Ratio = projected seconds / 300 (goal <= 1). On a shared machine the wall-clock projection is
inflated by the other jobs; CPU seconds / threads estimates an idle machine. The selection is projected from L_atl's
cost: margins x seeds x (epochs x 3,200 images + embedding 4,000), against 900 CPU-seconds (goal <= 1).

    python bench/mnist.py [--images 256] [--rounds 3] [--epochs 4] [--seeds 3] [--margins 4] [--threads 2]
"""
import argparse, platform, statistics, time
import numpy as np
import torch
from readnet.model.losses import TripletLoss, AngularTripletLoss
from readnet.paper.mnist import ATL_MARGIN, Schedule, load_mnist, train_embedding, embed

def cpu_name():
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()

def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--images', type=int, default=256, help='training images per measurement (multiple of 128)')
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--epochs', type=int, default=4, help='epochs of the projected default run')
    ap.add_argument('--seeds', type=int, default=3, help='training seeds of the projected runs')
    ap.add_argument('--margins', type=int, default=4, help='margins of the projected selection')
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    xtr, ytr, xte, _ = load_mnist()
    pick = np.random.default_rng(0).permutation(len(ytr))[:a.images]
    x, y = xtr[pick], ytr[pick]
    losses = {'L_ori': lambda: TripletLoss(mining='none'), 'L_atl': lambda: AngularTripletLoss(ATL_MARGIN, mining='none')}
    per_img = {k: [] for k in losses}
    for r in range(a.rounds + 1):
        for k, make in (losses.items() if r % 2 == 0 else reversed(losses.items())):
            wall, cpu = timed(lambda: train_embedding(make(), x, y, Schedule(epochs=1)))
            if r: per_img[k].append((wall / a.images, cpu / a.images))
    model = train_embedding(losses['L_ori'](), x[:128], y[:128], Schedule(epochs=1))
    e_wall, e_cpu = timed(lambda: embed(model, xte))
    e_wall, e_cpu = e_wall / len(xte), e_cpu / len(xte)
    print(f"cpu: {cpu_name()}  capability: {torch.backends.cpu.get_cpu_capability()}  torch threads: {a.threads}")
    n_train, n_all = len(ytr), len(ytr) + len(xte)
    proj_wall = proj_cpu = 0.
    for k, v in per_img.items():
        w, c = statistics.median(t[0] for t in v), statistics.median(t[1] for t in v)
        print(f"{k}: {1e3 * w:.2f} ms wall, {1e3 * c:.2f} ms cpu per training image (median of {len(v)} rounds)")
        proj_wall += a.seeds * (a.epochs * n_train * w + n_all * e_wall)
        proj_cpu += a.seeds * (a.epochs * n_train * c + n_all * e_cpu)
    print(f"embedding: {1e3 * e_wall:.2f} ms wall, {1e3 * e_cpu:.2f} ms cpu per image")
    print(f"projected figure1 (2 losses x {a.seeds} seeds x {a.epochs} epochs x {n_train} images): {proj_wall:.0f} s wall here "
          f"(ratio to 300 s: {proj_wall / 300:.2f}); idle-machine estimate cpu/threads {proj_cpu / a.threads:.0f} s "
          f"(ratio {proj_cpu / a.threads / 300:.2f}), cpu/1 {proj_cpu:.0f} s (ratio {proj_cpu / 300:.2f})")
    n_fit = round(0.8 * n_train)  # choose_atl_margin's default val_fraction=0.2
    atl_cpu = statistics.median(t[1] for t in per_img['L_atl'])
    sel_cpu = a.margins * a.seeds * (a.epochs * n_fit * atl_cpu + n_train * e_cpu)
    print(f"projected choose_atl_margin ({a.margins} margins x {a.seeds} seeds x {a.epochs} epochs x {n_fit} images): "
          f"{sel_cpu:.0f} CPU-seconds (ratio to 900: {sel_cpu / 900:.2f})")

if __name__ == '__main__': main()
