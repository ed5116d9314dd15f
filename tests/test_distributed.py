"""Several processes train one model on torch's own launcher: `readnet train --nproc 2` (torch's elastic launcher on this
machine) and two `torchrun --nnodes 2` "machines" on this one give the same run; rank 0 alone writes it."""
import csv, json, os, socket, subprocess, sys
import pytest
from conftest import run_cli, TINY_TRAIN

ARGS = [*TINY_TRAIN, '--epochs', '2', '--adversary', '--seed', '4']
ENV = {'OMP_NUM_THREADS': '1'}  # both ways run their processes with one thread each: the same arithmetic

def rows(run): return list(csv.DictReader(open(run / 'metrics.csv')))

def numbers(run):
    "final.json without what may differ between two identical runs (the wall-clock time)."
    final = json.loads((run / 'final.json').read_text())
    final.pop('train_time_s')
    return final

@pytest.fixture(scope='module')
def nproc_run(tiny_synth, tmp_path_factory):
    "One `readnet train --nproc 2` run: its directory and the finished process."
    run = tmp_path_factory.mktemp('nproc') / 'run'
    r = run_cli('train', *ARGS, '--root', tiny_synth, '--out', run, '--nproc', '2', env=ENV)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    return run, r

def test_two_processes_train_one_model(nproc_run):
    run, r = nproc_run
    final = json.loads((run / 'final.json').read_text())
    assert final['nproc'] == 2 and json.loads((run / 'config.json').read_text())['nproc'] == 2
    assert final['ranks_in_sync'] is True  # extractor, discriminator and BN statistics identical on both ranks
    assert [row['epoch'] for row in rows(run)] == ['0', '1'] and rows(run)[-1]['mAP'] != ''
    summaries = [l for l in r.stdout.splitlines() if l.startswith('mAP ')]
    assert len(summaries) == 1, r.stdout[-3000:]  # one summary: only rank 0 reports
    epoch_lines = [l for l in r.stdout.splitlines() if l.split() and l.split()[0] in ('epoch', '0', '1')]
    assert len(epoch_lines) == 3 and '\r' not in r.stdout, r.stdout[-3000:]  # the header and one line per epoch, once

def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def test_two_torchrun_machines_match_nproc(nproc_run, tiny_synth, tmp_path):
    "`torchrun --nnodes 2 --node-rank 0|1 ... -m readnet train`, as on two machines: env:// rendezvous at MASTER_ADDR."
    port, outs = _free_port(), [tmp_path / 'node0', tmp_path / 'node1']
    procs = [subprocess.Popen([sys.executable, '-m', 'torch.distributed.run', '--nnodes', '2', '--node-rank', str(node),
                               '--nproc-per-node', '1', '--master-addr', '127.0.0.1', '--master-port', str(port),
                               '-m', 'readnet', 'train', *ARGS, '--root', str(tiny_synth), '--out', str(out)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **ENV})
             for node, out in enumerate(outs)]
    results = [p.communicate(timeout=900) + (p.returncode,) for p in procs]
    for out, err, code in results: assert code == 0, out[-2000:] + err[-3000:]
    run, nproc = outs[0], nproc_run[0]
    assert not outs[1].exists()  # rank 1 (the second "machine") wrote nothing
    final = json.loads((run / 'final.json').read_text())
    assert final['nproc'] == 2 and final['ranks_in_sync'] is True
    assert (run / 'metrics.csv').read_text() == (nproc / 'metrics.csv').read_text()
    assert numbers(run) == numbers(nproc)
    assert json.loads((run / 'config.json').read_text()) == json.loads((nproc / 'config.json').read_text())
    assert 'mAP ' in results[0][0] and 'mAP ' not in results[1][0]  # rank 0 reports, rank 1 is silent

CUT = '''
import sys
from fastai.callback.core import Callback
from readnet.cli import build_parser
from readnet.training.options import config_from_args
from readnet.training.run import train_run
class Cut(Callback):
    order = 66  # right after RunCheckpoint has written the first epoch's checkpoint (on every rank)
    def after_epoch(self): raise KeyboardInterrupt('cut')
args = build_parser().parse_args(sys.argv[1:])
try: train_run(config_from_args(args), args.out, cbs=[Cut()])
except KeyboardInterrupt: pass
'''

def test_resume_of_two_processes_continues_exactly(nproc_run, tiny_synth, tmp_path):
    "Cut after the first epoch (2 processes under torchrun), then `readnet train --resume` starts 2 again: the same run."
    script, run = tmp_path / 'cut.py', tmp_path / 'run'
    script.write_text(CUT)
    r = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc-per-node', '2', str(script),
                        'train', *ARGS, '--root', str(tiny_synth), '--out', str(run)],  # nproc: torchrun's 2
                       capture_output=True, text=True, timeout=900, env={**os.environ, **ENV})
    assert r.returncode == 0 and not (run / 'final.json').exists(), r.stderr[-3000:]
    assert [row['epoch'] for row in rows(run)] == ['0']
    r = run_cli('train', '--resume', run, env=ENV)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    assert 'resuming' in r.stdout
    nproc = nproc_run[0]
    assert (run / 'metrics.csv').read_text() == (nproc / 'metrics.csv').read_text()
    assert numbers(run) == numbers(nproc)
