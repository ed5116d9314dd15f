#!/usr/bin/env python
"""One CSV row per finished `readnet train` run (final.json), for the result tables of docs/experiments/.

    python tools/runs_csv.py OUT.csv RUN_DIR... [--w2-in-cell] [--data-in-cell]

The cell is named from the run's config as the study names its methods (Basel, ATL, ATL+ACN, ATL+ACN-strong,
ATL+ACN-memory, ...); --w2-in-cell appends ' w2=W' (several weights of one recipe side by side), --data-in-cell
prefixes the synthetic set ('seed1 shift1.0 cams6: ') so runs on different sets stay apart. Unfinished runs are listed
and left out. `paired_differences` (readnet.paper.experiments) pairs the rows of two cells by seed.
"""
import argparse, json, os, sys
import pandas as pd
from readnet.core import write_text_atomic
from readnet.paper.study import METHODS, OWN_METHODS
from readnet.research.cli import RESEARCH_METHODS

def method_name(cfg:dict) -> str:
    "The study's name (`METHODS`, `OWN_METHODS`, `RESEARCH_METHODS`) of the loss and camera removal a run's config trains."
    # the recipe: `research_recipe` (readnet.research records it), or `disc` in a run written before --erase
    disc = (cfg.get('research_recipe') or cfg.get('disc', 'paper')) if cfg.get('adversary') else None
    erase, adversary = cfg.get('erase', False) or disc == 'erase', bool(cfg.get('adversary')) and disc != 'erase'
    recipe = disc if adversary and disc != 'paper' else None
    for name, s in {**METHODS, **OWN_METHODS}.items():
        if recipe is None and (s['loss'], s.get('adversary', False), s.get('erase', False)) == (cfg['loss'], adversary, erase): return name
    return next((name for name, s in RESEARCH_METHODS.items() if (s['loss'], s['recipe']) == (cfg['loss'], recipe)), cfg['loss'])

def row(d, w2_in_cell=False, data_in_cell=False):
    fin = json.load(open(os.path.join(d, 'final.json'))); cfg = json.load(open(os.path.join(d, 'config.json')))
    met = pd.read_csv(os.path.join(d, 'metrics.csv'))
    name = method_name(cfg) + (f" w2={cfg['w2']:g}" if w2_in_cell and cfg['adversary'] else '')
    data = f"seed{cfg['synth_seed']} shift{cfg['synth_camera_shift']} cams{cfg['synth_cams']}"
    if data_in_cell: name = f"{data}: {name}"
    return dict(cell=name, seed=cfg['seed'], mAP=fin['mAP'], rank1=fin['rank1'],
                camera_probe_acc=fin['camera_probe_acc'], camera_probe_chance=fin['camera_probe_chance'],
                train_time_s=fin['train_time_s'], device=fin.get('device'), eval_split=fin.get('eval_split'),
                data=data, val_ids=cfg.get('val_ids'), epochs=cfg['epochs'], mining=cfg.get('mining'),
                disc=cfg.get('disc') if cfg.get('adversary') else None, w2=cfg.get('w2') if cfg.get('adversary') else None,
                disc_acc_last=met['cam_acc'].iloc[-1] if 'cam_acc' in met else None, run=d)

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('out'); p.add_argument('runs', nargs='+')
    p.add_argument('--w2-in-cell', action='store_true'); p.add_argument('--data-in-cell', action='store_true')
    a = p.parse_args(argv)
    done = [d for d in a.runs if os.path.exists(os.path.join(d, 'final.json'))]
    for d in sorted(set(a.runs) - set(done)): print('unfinished:', d)
    df = pd.DataFrame([row(d, a.w2_in_cell, a.data_in_cell) for d in done]).sort_values(['cell', 'seed'])
    write_text_atomic(a.out, df.to_csv(index=False))
    print(df.drop(columns=['run']).to_string())

if __name__ == '__main__': sys.exit(main())
