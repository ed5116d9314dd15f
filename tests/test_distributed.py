"`readnet train --nproc 2`: two gloo processes train one model; rank 0 writes the run."
import csv, json
from conftest import run_cli, TINY_TRAIN

def test_two_processes_train_one_model(tiny_synth, tmp_path):
    run = tmp_path / 'ddp'
    r = run_cli('train', *TINY_TRAIN, '--root', tiny_synth, '--out', run, '--epochs', '2', '--adversary', '--nproc', '2')
    assert r.returncode == 0, r.stderr[-3000:]
    final = json.loads((run / 'final.json').read_text())
    assert final['nproc'] == 2
    assert final['ranks_in_sync'] is True  # extractor, discriminator and BN statistics identical on both ranks
    rows = list(csv.DictReader(open(run / 'metrics.csv')))
    assert [r['epoch'] for r in rows] == ['0', '1'] and rows[-1]['mAP'] != ''
    summaries = [l for l in r.stdout.splitlines() if l.startswith('mAP ')]
    assert len(summaries) == 1, r.stdout[-3000:]  # one summary: only rank 0 reports
