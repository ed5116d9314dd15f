"`readnet experiments`: runs per (method, seed), results table beside the paper, resumable."
import json
import pandas as pd
from conftest import run_cli

def test_experiments_table_and_resume(tiny_synth, tmp_path):
    out = tmp_path / 'table2'
    from readnet.paper.experiments import run_experiments
    from conftest import tiny_config
    base = tiny_config(tiny_synth, epochs=1)
    runs = run_experiments(2, base, seeds=2, methods=['Basel', 'ATL+ACN'], out=out)
    assert list(runs.cell) == ['Basel', 'Basel', 'ATL+ACN', 'ATL+ACN'] and list(runs.seed) == [0, 1, 0, 1]
    cfgs = [json.loads((out / c / f'seed{s}' / 'config.json').read_text()) for c in ('Basel', 'ATL_ACN') for s in (0, 1)]
    assert [(c['loss'], c['margin'], c['adversary'], c['w2'], c['seed']) for c in cfgs] == [
        ('triplet', 0.8, False, None, 0), ('triplet', 0.8, False, None, 1), ('atl', 0.08, True, 1e-4, 0), ('atl', 0.08, True, 1e-4, 1)]
    table = pd.read_csv(out / 'results.csv')
    assert len(table) == 4 and table.mAP.between(0, 1).all()
    md = (out / 'results.md').read_text()
    assert '| Basel | 2 |' in md and '71.03' in md and '74.05' in md  # the paper's Market-1501 mAP beside ours
    assert 'disc_acc_last' in table and table[table.cell == 'Basel'].disc_acc_last.isna().all()  # D only with ACN
    assert (out / 'results.png').exists()
    stamp = (out / 'Basel' / 'seed0' / 'final.json').stat().st_mtime_ns
    again = run_experiments(2, base, seeds=2, methods=['Basel', 'ATL+ACN'], out=out)
    assert (out / 'Basel' / 'seed0' / 'final.json').stat().st_mtime_ns == stamp  # finished runs are not trained again
    pd.testing.assert_frame_equal(again, runs)
