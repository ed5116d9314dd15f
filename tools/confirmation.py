"""The confirmation's verdicts (issue 28): reads the scored runs (`tools/removal_baselines.py`'s CSV) and judges each
prediction of docs/experiments/confirmation/PREDICTION.md by its stated rule, per fresh set (5 paired seeds, 95 %
Student-t intervals). Writes the Markdown table of every comparison and the verdicts.

    python tools/confirmation.py RESULTS.csv OUT.md
"""
import sys
from pathlib import Path
import pandas as pd
from readnet.core import write_text_atomic
from readnet.paper.experiments import mean_ci

SETS = {11: 'C1 (4 cameras, shift 0.75)', 12: 'C2 (7 cameras, shift 0.35, 5 images/id)', 13: 'C3 (5 cameras, shift 0.9, 8 images/id)'}

def paired(g, a, b):
    "Per-seed a − b (a, b: (remover, metric, column)) in points, then (mean, half-width, n)."
    x = {k: g[(g.remover == r) & (g.metric == m)].set_index('seed')[col] for k, (r, m, col) in (('a', a), ('b', b))}
    return mean_ci(100 * (x['a'] - x['b']).dropna())

COMPARISONS = {  # name -> (a, b)
    'Δ probe, erase − none': (('erase', 'euclidean', 'camera_probe'), ('none', 'euclidean', 'camera_probe')),
    'Δ mAP Euclidean, erase − none': (('erase', 'euclidean', 'mAP'), ('none', 'euclidean', 'mAP')),
    'Δ mAP cosine, erase − none': (('erase', 'cosine', 'mAP'), ('none', 'cosine', 'mAP')),
    'Δ mAP Euclidean, erase − shuffled control': (('erase', 'euclidean', 'mAP'), ('control: erase, shuffled cameras', 'euclidean', 'mAP')),
    'Δ probe, shuffled control − none': (('control: erase, shuffled cameras', 'euclidean', 'camera_probe'), ('none', 'euclidean', 'camera_probe')),
    'Δ mAP none, cosine − Euclidean': (('none', 'cosine', 'mAP'), ('none', 'euclidean', 'mAP')),
    'Δ mAP Euclidean, test-time camera means − none': (('camera mean (test)', 'euclidean', 'mAP'), ('none', 'euclidean', 'mAP')),
    'Δ mAP cosine, test-time camera means − none': (('camera mean (test)', 'cosine', 'mAP'), ('none', 'cosine', 'mAP')),
    'Δ mAP Euclidean, camera mean (train) − none': (('camera mean (train)', 'euclidean', 'mAP'), ('none', 'euclidean', 'mAP')),
    'Δ mAP cosine, camera mean (train) − none': (('camera mean (train)', 'cosine', 'mAP'), ('none', 'cosine', 'mAP')),
    'Δ mAP Euclidean, identity-direction control − none': (('control: identity directions', 'euclidean', 'mAP'), ('none', 'euclidean', 'mAP')),
    'Δ mAP cosine, erase − camera mean (train)': (('erase', 'cosine', 'mAP'), ('camera mean (train)', 'cosine', 'mAP')),
}
above, below, covers = (lambda m, h: m - h > 0), (lambda m, h: m + h < 0), (lambda m, h: m - h <= 0 <= m + h)
RULES = [  # (prediction, comparisons and their test, how many of the 3 sets must pass)
    ('1 erasure lowers the probe ≤ −20 points, interval below 0', [('Δ probe, erase − none', lambda m, h: m <= -20 and below(m, h))], 3),
    ('2 Euclidean: erase − none > 0, interval above 0', [('Δ mAP Euclidean, erase − none', above)], 2),
    ('3 cosine: erase − none, interval covers 0', [('Δ mAP cosine, erase − none', covers)], 2),
    ('4 control: erase − shuffled (Euclidean) covers 0, and the shuffled probe > −10', [('Δ mAP Euclidean, erase − shuffled control', covers),
                                                                                      ('Δ probe, shuffled control − none', lambda m, h: m > -10)], 2),
    ('5 cosine − Euclidean on raw ATL features > 0, interval above 0', [('Δ mAP none, cosine − Euclidean', above)], 2),
    ('6 test-time camera means lower mAP in both distances', [('Δ mAP Euclidean, test-time camera means − none', below),
                                                              ('Δ mAP cosine, test-time camera means − none', below)], 2),
]

def main(csv, out):
    df = pd.read_csv(csv)
    df['set'] = df.synth_seed // 100
    stats = {s: {name: paired(g, a, b) for name, (a, b) in COMPARISONS.items()} for s, g in df.groupby('set')}
    lines = ['| comparison (points, mean ± 95 % CI, 5 seeds) | ' + ' | '.join(SETS[s] for s in stats) + ' |',
             '|---|' + '---|' * len(stats)]
    lines += [f'| {name} | ' + ' | '.join(f'{stats[s][name][0]:+.1f} ± {stats[s][name][1]:.1f}' for s in stats) + ' |' for name in COMPARISONS]
    lines += ['', '| prediction | ' + ' | '.join(SETS[s].split()[0] for s in stats) + ' | needed | verdict |', '|---|' + '---|' * (len(stats) + 2)]
    for text, tests, need in RULES:
        ok = [all(test(*stats[s][name][:2]) for name, test in tests) for s in stats]
        lines.append(f'| {text} | ' + ' | '.join('yes' if o else 'no' for o in ok) + f' | {need} of 3 | {"holds" if sum(ok) >= need else "fails"} |')
    means = df[df.remover.isin(['none', 'erase'])].groupby(['set', 'remover', 'metric']).mAP.mean()
    lines += ['', '| set | none, Euclidean | none, cosine | erase, Euclidean | erase, cosine |', '|---|---|---|---|---|']
    lines += [f'| {SETS[s]} | ' + ' | '.join(f'{100 * means[(s, r, m)]:.1f}' for r in ('none', 'erase') for m in ('euclidean', 'cosine')) + ' |'
              for s in stats]
    write_text_atomic(out, '\n'.join(lines) + '\n')
    print('\n'.join(lines))

if __name__ == '__main__': main(*sys.argv[1:3])
