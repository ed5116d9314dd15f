"""Synthetic dataset generation speed: images/s of `make_synthetic_reid` against the 300 images/s goal, per knob setting.

    python bench/synth.py [--ids 100] [--rounds 3] [--against /path/to/another/checkout]

Every setting (the default dataset, each knob at a far level, and with `--against` the default dataset made by another
checkout's generator, e.g. the one before a change) runs in its own fresh process, settings interleaved round by round;
the first round is a warm-up and is dropped. Prints wall-clock and CPU-time rates (on a shared machine the CPU-time
rate is what one free core would give), each setting's CPU-time rate relative to this checkout's default measured in
the same rounds, and the CPU it ran on."""
import argparse, json, os, platform, subprocess, sys
from pathlib import Path
import torch

GOAL = 300  # images/s
HERE = Path(__file__).resolve().parents[1]
CHILD = """
import json, sys, time, tempfile, shutil
from pathlib import Path
from readnet.data.synth import make_synthetic_reid, MARKER
kw, tmp = json.loads(sys.argv[1]), Path(tempfile.mkdtemp())
try:
    wall, cpu = time.perf_counter(), time.process_time()
    root = make_synthetic_reid(tmp / 'synth', **kw)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(json.dumps(dict(n=sum(json.loads((root / MARKER).read_text())['counts'].values()), wall=wall, cpu=cpu)))
finally: shutil.rmtree(tmp, ignore_errors=True)
"""

def cpu_name():
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()

def generate(checkout, kw):
    "Images, wall seconds and CPU seconds of one generation by the readnet in `checkout`, in a fresh process."
    env = dict(os.environ, PYTHONPATH=str(checkout), PYTHONWARNINGS='ignore')
    out = subprocess.run([sys.executable, '-c', CHILD, json.dumps(kw)], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])

if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--ids', type=int, default=100, help='identities in train and in test')
    parser.add_argument('--rounds', type=int, default=3, help='rounds over all settings; the first is dropped')
    parser.add_argument('--against', default=None, help='another checkout whose default generation to time side by side')
    args = parser.parse_args()
    size = dict(n_train_ids=args.ids, n_test_ids=args.ids, seed=0)
    settings = {'default': (HERE, {}), 'camera_shift=1': (HERE, dict(camera_shift=1.)),
                'images_per_id=16': (HERE, dict(images_per_id=16.)), 'label_noise=0.3': (HERE, dict(label_noise=.3))}
    if args.against: settings[f'default, {args.against}'] = (Path(args.against).resolve(), {})
    runs = {name: [] for name in settings}
    for r in range(args.rounds):
        for name, (checkout, kw) in settings.items(): runs[name].append(generate(checkout, size | kw))
    print(f"cpu: {cpu_name()}  capability: {torch.backends.cpu.get_cpu_capability()}  cores: {len(os.sched_getaffinity(0))}")
    kept = {name: rs[1:] or rs for name, rs in runs.items()}  # drop the warm-up round
    rate = lambda rs, key: sum(x['n'] for x in rs) / sum(x[key] for x in rs)
    base = rate(kept['default'], 'cpu')
    print(f"{'setting':<34}{'images':>7}{'img/s wall':>12}{'img/s per CPU s':>17}{'vs goal':>9}{'vs default':>12}")
    for name, rs in kept.items():
        print(f"{name:<34}{rs[0]['n']:>7}{rate(rs, 'wall'):>12.0f}{rate(rs, 'cpu'):>17.0f}"
              f"{rate(rs, 'cpu') / GOAL:>8.2f}x{rate(rs, 'cpu') / base:>11.2f}x")
