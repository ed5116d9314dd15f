"""Camera removal against its baselines and controls on finished runs (issue 28): every remover of
`readnet.camera.baselines` scored on each run's query/gallery in Euclidean and cosine distance, with the camera probe
(folds by identity), then paired differences over seeds: each remover against none, and ATL against Basel.

    python tools/removal_baselines.py OUT.csv RUN_DIR... [--features DIR]

Runs trained with `--val-ids F` are scored on their validation identities (the choice is made there); OUT.md gets
the two tables of paired differences (mean ± 95 % t interval, percent points).
"""
import argparse, json, sys
from pathlib import Path
import pandas as pd, torch
sys.path.insert(0, str(Path(__file__).parent))
from erase_runs import features  # the runs' raw features (train, query, gallery), cached per run
from readnet.camera.baselines import removal_table, REMOVERS
from readnet.core import write_text_atomic
from readnet.paper.experiments import paired_differences, plus_minus

def score(runs, cache):
    tables = []
    for run in map(Path, runs):
        cfg, d = json.loads((run / 'config.json').read_text()), features(run, cache)
        t = removal_table(*((d[f'{s}f'], d[f'{s}p'], d[f'{s}c']) for s in 'xqg'))
        loss = {'triplet': 'Basel', 'atl': 'ATL'}.get(cfg['loss'], cfg['loss']) + ('+ACN' if cfg.get('adversary') else '')
        tables.append(t.assign(run=str(run), loss=loss,
                               seed=cfg['seed'], val_ids=cfg['val_ids'], synth_seed=cfg.get('synth_seed')))
        print(run, *(f"{r.remover}/{r.metric}: {100 * r.mAP:.1f}" for r in t.itertuples() if r.remover in ('none', 'erase')), flush=True)
    return pd.concat(tables, ignore_index=True)

def differences(df):
    "Markdown: each remover minus none (per loss and distance), and ATL minus Basel (per remover and distance)."
    lines = ['| loss | distance | remover | Δ mAP | Δ rank-1 | Δ camera probe | seeds |', '|---|---|---|---|---|---|---|']
    runs = df.rename(columns={'remover': 'cell'})
    for (loss, metric), g in runs.groupby(['loss', 'metric'], sort=False):
        d = {m: paired_differences(g, 'none', m).set_index('cell') for m in ('mAP', 'rank1', 'camera_probe')}
        for cell in [r for r in REMOVERS if r != 'none']:
            lines.append(f"| {loss} | {metric} | {cell} | " + ' | '.join(plus_minus(d[m].loc[cell, 'diff'], d[m].loc[cell, 'ci'])
                         for m in d) + f" | {int(d['mAP'].loc[cell, 'n'])} |")
    runs = df.rename(columns={'loss': 'cell'})
    for a, b in (('ATL', 'Basel'), ('ATL+ACN', 'Basel'), ('ATL+ACN', 'ATL')):
        if not {a, b} <= set(runs.cell): continue
        lines += ['', f'| remover | distance | {a} − {b}: Δ mAP | Δ rank-1 | Δ camera probe | seeds |', '|---|---|---|---|---|---|']
        for (rem, metric), g in runs[runs.cell.isin([a, b])].groupby(['remover', 'metric'], sort=False):
            d = {m: paired_differences(g, b, m).set_index('cell') for m in ('mAP', 'rank1', 'camera_probe')}
            lines.append(f"| {rem} | {metric} | " + ' | '.join(plus_minus(d[m].loc[a, 'diff'], d[m].loc[a, 'ci']) for m in d)
                         + f" | {int(d['mAP'].loc[a, 'n'])} |")
    return '\n'.join(lines) + '\n'

def parse_args(doc:str):
    "OUT, RUN_DIR... and --features DIR (cache of extracted features), as this tool and tools/imbalance.py take them."
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument('out'); ap.add_argument('runs', nargs='+')
    ap.add_argument('--features', help='folder to keep extracted features (and scores) in, reused when present')
    a = ap.parse_args()
    torch.set_num_threads(1)
    return a, (Path(a.features) if a.features else None)

def main():
    a, cache = parse_args(__doc__)
    df = score(a.runs, cache)
    out = Path(a.out)
    write_text_atomic(out, df.to_csv(index=False))
    write_text_atomic(out.with_suffix('.md'), differences(df))
    print(differences(df))

if __name__ == '__main__': main()
