"""Synthetic dataset generation speed: images/s of `make_synthetic_reid` against the 300 images/s goal.

    python bench/synth.py [--ids 100]

Prints wall-clock and CPU-time rates side by side (on a shared machine the CPU-time rate is what one free core would
give) and the CPU it ran on."""
import argparse, platform, shutil, tempfile, time, json
from pathlib import Path
import torch
from readnet.synth import make_synthetic_reid, MARKER

GOAL = 300  # images/s

def cpu_name():
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()

if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--ids', type=int, default=100, help='identities in train and in test')
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        root = make_synthetic_reid(tmp / 'synth', n_train_ids=args.ids, n_test_ids=args.ids, seed=0)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        n = sum(json.loads((root / MARKER).read_text())['counts'].values())
    finally: shutil.rmtree(tmp, ignore_errors=True)
    print(f"cpu: {cpu_name()}  capability: {torch.backends.cpu.get_cpu_capability()}  cores: {len(__import__('os').sched_getaffinity(0))}")
    print(f"generated {n} images: {n / wall:.0f} images/s wall ({n / wall / GOAL:.2f}x the {GOAL}/s goal), "
          f"{n / cpu:.0f} images/s per CPU second ({n / cpu / GOAL:.2f}x)")
