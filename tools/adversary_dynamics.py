#!/usr/bin/env python
"""When does a camera penalty act, and what does it slow? Per-epoch means over seeds of paired run folders.

For each set of runs: the adversary's held-out camera fit (`cam_loss` = R², clipped at 0 in the penalty), its
accuracy and, with gradient surgery, the cosine of its gradient and the triplet loss's; beside the same command
without the adversary: the training triplet term (`emb`), the share of active triplets and the angle gap — the
instruments the evidence notebook uses (nbs/09b_paper.evidence.ipynb, section 11).

    python tools/adversary_dynamics.py OUT.csv NAME=ADV_GLOB:PLAIN_GLOB ...
"""
import argparse, glob
from pathlib import Path
import pandas as pd
from readnet.core import write_text_atomic

def epochs(pattern, role):
    runs = sorted(glob.glob(pattern))
    if not runs: raise SystemExit(f"adversary_dynamics: no run folder matches {pattern!r}")
    frames = [pd.read_csv(Path(r) / 'metrics.csv').assign(run=r) for r in runs]
    keep = ['emb', 'active', 'gap'] + (['cam_loss', 'cam_acc', 'grad_cos'] if role == 'adv' else [])
    m = pd.concat(frames).groupby('epoch')[[k for k in keep if k in frames[0]]].mean()
    return m.add_prefix(f'{role}_').assign(seeds=len(runs))

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('out', help='CSV to write: one row per set and epoch')
    p.add_argument('sets', nargs='+', help='NAME=ADVERSARY_GLOB:PLAIN_GLOB (run folders holding metrics.csv)')
    a = p.parse_args(argv)
    rows = []
    for spec in a.sets:
        name, globs = spec.split('=', 1)
        adv, plain = globs.split(':')
        d = epochs(adv, 'adv').join(epochs(plain, 'plain').drop(columns='seeds'), how='inner')
        rows.append(d.reset_index().assign(set=name))
    cols = ['set', 'epoch', 'seeds', 'adv_cam_loss', 'adv_cam_acc', 'adv_grad_cos', 'plain_emb', 'adv_emb',
            'plain_active', 'adv_active', 'plain_gap', 'adv_gap']
    out = pd.concat(rows)
    out = out[[c for c in cols if c in out]]  # grad_cos: only runs with gradient surgery log it
    write_text_atomic(a.out, out.round(5).to_csv(index=False))
    print(out.round(3).to_string(index=False))

if __name__ == '__main__': main()
