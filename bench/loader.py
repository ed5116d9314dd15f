"""Loader images/s: batches gathered from the decoded cache vs decoded by PIL, the same batches, on this CPU. Goal >= 10x.

Both are `readnet.data.sampler.pk_dataloaders` over one synthetic Market-style set (JPEG 128x64, written once into a temp
dir by `readnet.data.synth.make_synthetic_reid`), P x K = 32 x 4, the same seed, so the same identities and images per
batch (checked: the first epoch's batches compare equal, pixels included). Variants:
  pil-0     the PIL path in the main process (JPEG decode + fastai Resize + collate per item)
  pil-W     the PIL path with W worker processes (their start-up included, as in training)
  cache     `cache=...`: one np.take per batch from the memory-mapped uint8 array
Each is timed twice per round: up to the uint8 batch on the device ("loader", what a GPU waits for; the batch
transforms then run on the GPU) and with the batch transforms run here on the CPU ("+ batch tfms": int->float,
flip, ImageNet normalisation). The cache's one-off build (decode + write) is timed first and reported separately.
Machines here drift by up to 4x within minutes, so the variants alternate in one process, the first round is a
discarded warm-up, and each ratio is computed per round (paired) and summarised by its median and range.

    python bench/loader.py [--ids 128] [--size 128 64] [--rounds 3] [--workers 2] [--min-seconds 1] [--threads 1]
"""
import argparse, contextlib, platform, statistics, tempfile, time
from pathlib import Path
import torch
from fasttransform import Pipeline
from readnet.core import set_seed
from readnet.data.readers import read_market1501
from readnet.data.sampler import pk_dataloaders
from readnet.data.synth import make_synthetic_reid

def cpu_name():
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()

@contextlib.contextmanager
def without_batch_tfms(dl):
    "Iterate `dl` up to the uint8 batch on its device: its `after_batch` replaced by an empty pipeline."
    tfms, dl.after_batch = dl.after_batch, Pipeline([])
    try: yield dl
    finally: dl.after_batch = tfms

def rate(dl, min_seconds):
    "Images/s over whole epochs of `dl`, as many as fill `min_seconds` (at least one)."
    start, n = time.perf_counter(), 0
    while True:
        for x, *_ in dl: n += len(x)
        if (elapsed := time.perf_counter() - start) >= min_seconds: return n / elapsed

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--ids', type=int, default=128, help='training identities of the synthetic set')
    ap.add_argument('--size', type=int, nargs=2, default=(128, 64), help='training size, height width')
    ap.add_argument('--P', type=int, default=32); ap.add_argument('--K', type=int, default=4)
    ap.add_argument('--rounds', type=int, default=3); ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--min-seconds', type=float, default=1., help='least time per measurement')
    ap.add_argument('--threads', type=int, default=1, help='torch threads for the batch transforms (1 is steadier on a '
                    'shared machine)')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    print(f"CPU: {cpu_name()} | torch {torch.__version__} | capability {torch.backends.cpu.get_cpu_capability()} | "
          f"torch threads {torch.get_num_threads()}")
    set_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        df = read_market1501(make_synthetic_reid(Path(tmp)/'synthetic', n_train_ids=a.ids, n_test_ids=8), name='synthetic')
        kw = dict(P=a.P, K=a.K, size=tuple(a.size), seed=0, device='cpu')
        n_images = len(df)
        start = time.perf_counter()
        cached = pk_dataloaders(df, cache=Path(tmp)/'decoded', **kw).train
        build = time.perf_counter() - start
        loaders = {'pil-0': pk_dataloaders(df, num_workers=0, **kw).train,
                   f'pil-{a.workers}': pk_dataloaders(df, num_workers=a.workers, **kw).train, 'cache': cached}
        print(f"{a.ids} training identities, {len(cached)} batches of {a.P}x{a.K} at {a.size[0]}x{a.size[1]} per epoch; "
              f"cache built in {build:.1f} s ({n_images} images of 3 splits: {n_images / build:.0f} images/s, once)")
        for dl in loaders.values(): dl.set_epoch(0)
        torch.manual_seed(0); first_pil = list(loaders['pil-0'])
        torch.manual_seed(0); first_cache = list(cached)
        same = all(torch.equal(p, c) for bp, bc in zip(first_pil, first_cache, strict=True) for p, c in zip(bp, bc))
        print(f"same batches (identities, images, pixels after flip + normalisation) in epoch 0: {'yes' if same else 'NO'}",
              flush=True)
        names = list(loaders)
        rates = {(k, m): [] for k in names for m in ('loader', '+ batch tfms')}
        for r in range(a.rounds + 1):
            for k in names[r % len(names):] + names[:r % len(names)]:
                with without_batch_tfms(loaders[k]) as dl: lo = rate(dl, a.min_seconds)
                full = rate(loaders[k], a.min_seconds)
                if r: rates[(k, 'loader')].append(lo); rates[(k, '+ batch tfms')].append(full)
            print(f"round {r}{' (warm-up, discarded)' if r == 0 else ''} done", flush=True)

    def summary(xs): return f"{statistics.median(xs):9.1f}  [{min(xs):.1f}-{max(xs):.1f}]"
    print(f"\nimages/s, median [min-max] over {a.rounds} rounds")
    print(f"{'':10s} {'loader (uint8 on device)':>28s} {'+ batch tfms on this CPU':>28s}")
    for k in names: print(f"{k:10s} {summary(rates[(k, 'loader')]):>28s} {summary(rates[(k, '+ batch tfms')]):>28s}")
    print("\nratios per round (paired), median [min-max]:")
    for m in ('loader', '+ batch tfms'):
        for k in names[:2]:
            ratio = [c / p for c, p in zip(rates[('cache', m)], rates[(k, m)])]
            print(f"  cache / {k:6s} {m:14s} {summary(ratio)}   (goal >= 10)")

if __name__ == '__main__': main()
