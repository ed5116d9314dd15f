"""Is the input pipeline fast enough? Loader images/s next to ResNet-50 training images/s. Goal: ratio >= 3.

Loader: `readnet.data.sampler.pk_dataloaders` over a small synthetic Market-style set (JPEG 128x64, written once into a
temp dir by `readnet.data.synth.make_synthetic_reid`): JPEG decode + Resize(128x64) + collate in 2 worker processes, then
horizontal flip + ImageNet normalisation on the batch, one full P x K epoch per measurement (worker start-up
included, as in training). Model: `readnet.model.network.ReIDModel('resnet50')` training steps (forward, batch-hard triplet
loss in fp32, backward, Adam) on random batches of the same shape, in the fastest mode this CPU supports: bf16
autocast + channels_last where `readnet.core.cpu_bf16_supported()`, else fp32 + channels_last (as
`CPUMixedPrecision` does in training). Loader and model alternate in one process (machines here drift up to 4x in
minutes); the first round is a discarded warm-up and the ratio is computed per round and summarised by its median.

    python bench/data.py [--P 32] [--K 4] [--model_bs 32] [--steps 2] [--rounds 3] [--workers 2]
"""
import argparse, platform, statistics, tempfile, time
from pathlib import Path
import torch
from readnet.core import cpu_bf16_supported, set_seed, to_channels_last
from readnet.data.readers import read_market1501
from readnet.model.losses import TripletLoss
from readnet.model.network import ReIDModel
from readnet.data.sampler import pk_dataloaders
from readnet.data.synth import make_synthetic_reid

def cpu_name():
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()

def loader_rate(dl):
    "Images/s of one full pass over `dl` (worker start-up included)."
    start, n = time.perf_counter(), 0
    for x, *_ in dl: n += len(x)
    return n / (time.perf_counter() - start)

def model_rate(model, opt, loss_func, batch, steps, bf16):
    "Images/s of `steps` training steps on `batch`."
    x, y = batch
    start = time.perf_counter()
    for _ in range(steps):
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16): feats = model(x)
        loss = loss_func(feats.float(), y)
        opt.zero_grad(); loss.backward(); opt.step()
    return steps * len(x) / (time.perf_counter() - start)

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--P', type=int, default=32); ap.add_argument('--K', type=int, default=4)
    ap.add_argument('--ids', type=int, default=128, help='training identities of the synthetic set')
    ap.add_argument('--model_bs', type=int, default=32, help='batch size of the timed training steps')
    ap.add_argument('--steps', type=int, default=2); ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--workers', type=int, default=2)
    a = ap.parse_args()
    bf16 = cpu_bf16_supported()
    mode = 'bf16 autocast + channels_last' if bf16 else 'fp32 + channels_last'
    print(f"CPU: {cpu_name()} | torch {torch.__version__} | capability {torch.backends.cpu.get_cpu_capability()} | "
          f"threads {torch.get_num_threads()} | model mode: {mode}")
    set_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        df = read_market1501(make_synthetic_reid(Path(tmp)/'synthetic', n_train_ids=a.ids, n_test_ids=8), name='synthetic')
        dl = pk_dataloaders(df, P=a.P, K=a.K, num_workers=a.workers, seed=0, device='cpu').train
        print(f"loader: {len(dl)} batches of {a.P}x{a.K} per epoch, {a.workers} workers; "
              f"model: ResNet-50, batch {a.model_bs} at 128x64, {a.steps} steps per round; {a.rounds} rounds + 1 warm-up")
        model = to_channels_last(ReIDModel('resnet50')).train()
        opt, loss_func = torch.optim.Adam(model.parameters(), lr=3e-4), TripletLoss()
        x = torch.randn(a.model_bs, 3, 128, 64).contiguous(memory_format=torch.channels_last)
        y = torch.arange(a.model_bs // 4).repeat_interleave(4)
        rates = {'loader': [], 'model': []}
        for r in range(a.rounds + 1):
            lo, mo = loader_rate(dl), model_rate(model, opt, loss_func, (x, y), a.steps, bf16)
            if r: rates['loader'].append(lo); rates['model'].append(mo)
    for name, rs in rates.items():
        print(f"{name:>6}: {statistics.median(rs):8.1f} images/s (median; range {min(rs):.1f}-{max(rs):.1f})")
    ratios = [lo / mo for lo, mo in zip(rates['loader'], rates['model'])]
    med = statistics.median(ratios)
    print(f"ratio loader/model: median {med:.1f}x (range {min(ratios):.1f}-{max(ratios):.1f}); "
          f"goal >= 3x: {'met' if med >= 3 else 'NOT met'}")

if __name__ == '__main__': main()
