"""The imbalance study's runs as a job file for `tools/run_queue.py` (docs/experiments/imbalance/PREDICTION.md):
loss {Basel, ATL} × `--synth-imbalance` {0, 2} × `--synth-camera-shift` {0, 1}, quick preset, seed S on its own data
draw `--synth-seed 2000+S`; seeds in order, the eight runs of a seed together. A run with a final.json is skipped.

    python tools/imbalance_jobs.py --seeds 12 --out runs/imbalance > jobs.txt
    python tools/run_queue.py jobs.txt --workers 2 --log runs/imbalance/queue.log     # --stop T: the stopping rule
    python tools/imbalance.py docs/experiments/imbalance/results.csv runs/imbalance/*-s* --features runs/imbalance/feat
"""
import argparse, shlex, sys
from pathlib import Path

def jobs(seeds:int, out:str, python:str=sys.executable, first:int=0):
    out = Path(out).absolute()
    cmd = f'OMP_NUM_THREADS=1 {shlex.quote(python)} -m readnet train --data synthetic --preset quick'
    for s in range(first, first + seeds):
        for i in (0, 2):
            for c in (0, 1):
                for loss, name in (('triplet', 'basel'), ('atl', 'atl')):
                    o = out / f'{name}-i{i}-c{c}-s{s}'
                    yield (f'test -f {o}/final.json || ({cmd} --loss {loss} --synth-imbalance {i} --synth-camera-shift {c} '
                           f'--synth-seed {2000 + s} --seed {s} --out {o} > {o}.log 2>&1)')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--seeds', type=int, default=12, help='how many seeds')
    ap.add_argument('--first', type=int, default=0, help='the first seed')
    ap.add_argument('--out', default='runs/imbalance', help='the folder the run directories go in')
    a = ap.parse_args()
    Path(a.out).mkdir(parents=True, exist_ok=True)
    print('\n'.join(jobs(a.seeds, a.out, first=a.first)))
