"`readnet experiments`: runs per (method, seed), results table beside the paper, resumable."
import pandas as pd
from conftest import run_cli

def test_experiments_table_and_resume(tiny_synth, tmp_path):
    out = tmp_path / 'table2'
    from readnet.experiments import run_experiments
    runs = run_experiments(2, seeds=2, methods=['Basel', 'ATL+ACN'], out=out, root=str(tiny_synth), epochs=1, P=4, K=2,
                           size=(64, 32), num_workers=0)
    assert list(runs.method) == ['Basel', 'Basel', 'ATL+ACN', 'ATL+ACN'] and list(runs.seed) == [0, 1, 0, 1]
    table = pd.read_csv(out / 'results.csv')
    assert len(table) == 4 and table.mAP.between(0, 1).all()
    md = (out / 'results.md').read_text()
    assert '| Basel | 2 |' in md and '71.03' in md and '74.05' in md  # the paper's Market-1501 mAP beside ours
    assert (out / 'results.png').exists()
    stamp = (out / 'Basel' / 'seed0' / 'final.json').stat().st_mtime_ns
    again = run_experiments(2, seeds=2, methods=['Basel', 'ATL+ACN'], out=out, root=str(tiny_synth), epochs=1, P=4, K=2,
                            size=(64, 32), num_workers=0)
    assert (out / 'Basel' / 'seed0' / 'final.json').stat().st_mtime_ns == stamp  # finished runs are not trained again
    pd.testing.assert_frame_equal(again, runs)
