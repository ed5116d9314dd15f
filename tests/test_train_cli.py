"`readnet train` / `readnet eval` end to end on a tiny synthetic set: outputs, the log, determinism, resume, signals, errors."
import csv, json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest, torch
from conftest import BIN, run_cli, run_main, TINY_TRAIN, REF_ARGS, tiny_config, copy_run

def train(tiny_synth, out, *extra):
    return run_cli('train', *TINY_TRAIN, '--root', tiny_synth, '--out', out, *extra)

def rows(run): return list(csv.DictReader(open(Path(run) / 'metrics.csv')))

def hidden_files(run): return [f for f in Path(run).rglob('*') if f.name.startswith('.')]

def test_train_writes_a_complete_run_directory(ref_run, tmp_path):
    "The reference run (the console script, `--epochs 2 --adversary`): every file, the log, and eval reproducing it."
    run, r = ref_run
    for f in ('config.json', 'metrics.csv', 'final.json', 'model.pth', 'checkpoint/state.pth', 'checkpoint/epoch-0001.pth',
              'loss.png', 'cmc.png', 'ranked.png'): assert (run / f).exists(), f
    assert sorted(p.name for p in (run / 'checkpoint').iterdir()) == ['epoch-0001.pth', 'state.pth']  # only the last epoch's
    cfg = json.loads((run / 'config.json').read_text())
    assert (cfg['loss'], cfg['adversary'], cfg['w2'], cfg['margin'], cfg['epochs']) == ('atl', True, 1e-4, 0.08, 2)
    m = rows(run)
    assert [row['epoch'] for row in m] == ['0', '1']
    for col in ('train_loss', 'emb', 'reg', 'cam_loss', 'cam_acc', 'mAP', 'rank1', 'rank5', 'rank10'): assert m[-1][col] != '', col
    final = json.loads((run / 'final.json').read_text())
    assert 0 <= final['mAP'] <= 1 and 0 <= final['camera_probe_acc'] <= 1
    assert final['device'].startswith('cuda' if torch.cuda.is_available() else 'cpu')
    assert abs(final['mAP'] - float(m[-1]['mAP'])) < 1e-5  # the last epoch's evaluation is the final one
    assert 'mAP' in r.stdout and 'camera probe' in r.stdout
    # stdout is a pipe here, as in a log file or CI: the header and one line per epoch, no progress-bar redraws
    assert '\r' not in r.stdout, r.stdout[:500]
    table = [l.split() for l in r.stdout.splitlines() if l.split() and (l.split()[0] == 'epoch' or l.split()[0].isdigit())]
    assert [t[0] for t in table] == ['epoch', '0', '1'], r.stdout
    assert len(table[1]) == len(table[0]) and 'train_loss' in table[0] and 'mAP' in table[0]
    # eval of the saved run reproduces the final numbers; re-ranking gives its own file
    run = copy_run(run, tmp_path / 'run')  # eval writes into the run
    e = run_main('eval', '--run', run)  # in this process: the console script ran the training
    assert e.returncode == 0, e.stderr[-3000:]
    assert abs(json.loads((run / 'eval.json').read_text())['mAP'] - final['mAP']) < 1e-6
    e = run_main('eval', '--run', run, '--rerank')
    assert e.returncode == 0, e.stderr[-3000:]
    assert json.loads((run / 'eval-rerank.json').read_text())['rerank'] is True

def test_same_command_twice_gives_identical_results(ref_run, tiny_synth, tmp_path):
    "The reference run's command again (in this process this time): the same bytes, the wall-clock time apart."
    a, b = ref_run[0], tmp_path / 'b'
    r = run_main('train', *REF_ARGS, '--root', tiny_synth, '--out', b)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (a / 'metrics.csv').read_text() == (b / 'metrics.csv').read_text()
    fa, fb = (json.loads((d / 'final.json').read_text()) for d in (a, b))
    fa.pop('train_time_s'), fb.pop('train_time_s')  # wall-clock time is the one field allowed to differ
    assert fa == fb
    wa, wb = (torch.load(d / 'model.pth') for d in (a, b))
    assert all(torch.equal(wa[k], wb[k]) for k in wa)

def test_erase_trains_as_without_and_its_projection_travels_with_the_model(tiny_synth, tmp_path):
    "--erase: training identical to without; model.pth carries the projection; eval and export use it."
    from readnet.training.run import train_run
    plain = train_run(tiny_config(tiny_synth, epochs=2), tmp_path / 'plain', plots=False)
    erased = train_run(tiny_config(tiny_synth, epochs=2, erase=True), tmp_path / 'erase', plots=False)
    saved = json.loads((tmp_path / 'erase' / 'config.json').read_text())
    assert saved['erase'] is True and saved['w2'] is None  # erasure weighs nothing against the loss
    a, b = rows(tmp_path / 'plain'), rows(tmp_path / 'erase')
    assert [r['train_loss'] for r in a] == [r['train_loss'] for r in b]  # same training, batch for batch
    wa, wb = (torch.load(tmp_path / n / 'model.pth') for n in ('plain', 'erase'))
    assert 'erase.basis' not in wa and all(torch.equal(wa[k], wb[k]) for k in wa)
    r = wb['erase.basis'].shape[1]
    assert 1 <= r <= 3 and erased['camera_directions_removed'] == r and 'camera_directions_removed' not in plain
    assert erased['mAP'] != plain['mAP']  # the final evaluation saw the projection
    assert abs(erased['mAP'] - float(b[-1]['mAP'])) < 1e-6
    e = run_main('eval', '--run', tmp_path / 'erase')
    assert e.returncode == 0, e.stderr[-3000:]
    assert abs(json.loads((tmp_path / 'erase' / 'eval.json').read_text())['mAP'] - erased['mAP']) < 1e-6

def test_adversary_and_erase_combine(tiny_synth, tmp_path):
    "--adversary --erase: the paper's ACN trains, then the camera offsets are projected out of its extractor; eval uses it."
    from readnet.training.run import train_run
    final = train_run(tiny_config(tiny_synth, epochs=1, adversary=True, erase=True), tmp_path / 'both', plots=False)
    assert final['camera_directions_removed'] >= 1 and "erase=True (paper: False)" in final['paper_deviations']
    assert 'erase.basis' in torch.load(tmp_path / 'both' / 'model.pth')
    e = run_main('eval', '--run', tmp_path / 'both')
    assert e.returncode == 0, e.stderr[-3000:]
    assert abs(json.loads((tmp_path / 'both' / 'eval.json').read_text())['mAP'] - final['mAP']) < 1e-6

@pytest.mark.parametrize('disc', ['paper', 'linear-memory'])  # D's random stream; the memory of past features
def test_resume_continues_exactly(ref_run, tiny_synth, tmp_path, disc):
    "2 epochs straight == 1 epoch, interrupted, then --resume for the second: the adversary's state is restored too."
    from fastai.callback.core import Callback, CancelFitException
    from readnet.training.run import train_run
    from readnet.training.checkpoint import read_checkpoint
    from readnet.training.config import TrainConfig
    from readnet.research.linear_adversary import recipe_adversary, recipe_w2
    adversary = None if disc == 'paper' else recipe_adversary(disc)  # the study's recipes: readnet.research
    cfg = tiny_config(tiny_synth, epochs=2, eval_every=1, adversary=True, w2=recipe_w2(disc, 'atl'))
    class StopAfterFirstEpoch(Callback):
        order = 99  # after RunCheckpoint wrote the checkpoint
        def after_epoch(self): raise KeyboardInterrupt('simulated interruption')
    with pytest.raises(KeyboardInterrupt):
        train_run(cfg, tmp_path / 'cut', cbs=[StopAfterFirstEpoch()], plots=False, camera_adversary=adversary)
    assert read_checkpoint(tmp_path / 'cut')['epoch'] == 0
    assert not (tmp_path / 'cut' / 'final.json').exists()
    if disc == 'paper': r = run_main('train', '--resume', tmp_path / 'cut')
    else: r = subprocess.run([sys.executable, '-m', 'readnet.research.cli', 'train', '--recipe', disc, '--resume',
                              str(tmp_path / 'cut')], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'resuming' in r.stdout
    if disc == 'paper':  # the reference run is this configuration: it is the run straight through
        straight = ref_run[0]
        assert json.loads((straight / 'config.json').read_text()) == json.loads((tmp_path / 'cut' / 'config.json').read_text())
    else: train_run(cfg, straight := tmp_path / 'straight', plots=False, camera_adversary=adversary)
    a, b = rows(straight), rows(tmp_path / 'cut')
    assert len(a) == len(b) == 2
    for ra, rb in zip(a, b):
        for k in ra: assert ra[k] == rb[k] or abs(float(ra[k]) - float(rb[k])) <= 1e-6, (k, ra[k], rb[k])
    wa, wb = (torch.load(d / 'model.pth') for d in (straight, tmp_path / 'cut'))
    assert all(torch.allclose(wa[k].float(), wb[k].float(), atol=1e-6) for k in wa)

def test_adversary_trains_finite_under_forced_bf16(tiny_synth, tmp_path):
    """Issue 26's reproduction, with bf16 forced so it runs on every CPU (emulated, slow, on AVX2-only ones): the
    paper's adversary at 64x32, where ResNet's layer4 is one pixel wide; on an AMX Xeon this stopped with
    'loss is nan at epoch 0 batch 1'. Every logged number and every BatchNorm statistic stays finite."""
    import math
    from readnet.training.run import train_run
    final = train_run(tiny_config(tiny_synth, epochs=2, eval_every=1, adversary=True, seed=3, bf16='on'), tmp_path / 'run', plots=False)
    assert json.loads((tmp_path / 'run' / 'config.json').read_text())['bf16'] == 'on'
    assert all(math.isfinite(float(v)) for row in rows(tmp_path / 'run') for k, v in row.items() if v not in ('', None) and k != 'time')
    assert math.isfinite(final['mAP']) and math.isfinite(final['camera_probe_acc'])
    state = torch.load(tmp_path / 'run' / 'model.pth')
    stats = [k for k in state if k.endswith(('running_mean', 'running_var'))]
    assert stats and all(torch.isfinite(state[k]).all() for k in stats)

@pytest.mark.parametrize('sig', [signal.SIGTERM, signal.SIGINT])
def test_signal_mid_epoch_leaves_a_resumable_run(tiny_synth, tmp_path, sig):
    run = tmp_path / 'run'
    cmd = [str(BIN / 'readnet'), 'train', *TINY_TRAIN, '--root', str(tiny_synth), '--out', str(run), '--epochs', '40']
    # a shell without job control starts background commands with SIGINT ignored, and Python keeps an inherited
    # SIG_IGN: give the child the default disposition so the test does not depend on how pytest was launched
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    ckpt, deadline = run / 'checkpoint' / 'state.pth', time.time() + 600
    while not ckpt.exists() and time.time() < deadline and p.poll() is None: time.sleep(0.05)
    assert ckpt.exists(), 'no checkpoint was written'
    time.sleep(0.3)  # now inside a later epoch
    p.send_signal(sig)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err[-3000:]
    assert 'readnet train --resume' in err
    from readnet.training.checkpoint import read_checkpoint, metric_rows
    state = read_checkpoint(run)  # loadable (weights_only=True): the checkpoint was never half-written
    assert 0 <= state['epoch'] < 39 and len(state['values']) == state['epoch'] + 1
    assert (run / 'checkpoint' / f"{state['weights']}.pth").exists()  # the weights the state names
    assert not hidden_files(run), 'a temporary file was left behind'
    logged = rows(run)  # written after the checkpoint: complete, and at most one epoch behind it
    saved = metric_rows(state['names'], state['values'])
    assert state['epoch'] <= len(logged) <= state['epoch'] + 1 and logged == saved[:len(logged)]

def test_out_holding_a_different_run_is_refused(ref_run, tiny_synth, tmp_path):
    run = copy_run(ref_run[0], tmp_path / 'run')
    r = run_main('train', *TINY_TRAIN, '--root', tiny_synth, '--out', run, '--epochs', '1', '--loss', 'triplet')
    assert r.returncode == 2 and 'already holds a different run' in r.stderr and 'loss' in r.stderr
    assert json.loads((run / 'config.json').read_text())['loss'] == 'atl'  # untouched
    r = run_main('train', *TINY_TRAIN, '--root', tiny_synth, '--out', run, '--epochs', '1', '--loss', 'triplet', '--force')
    assert r.returncode == 0, r.stderr[-3000:]
    assert json.loads((run / 'config.json').read_text())['loss'] == 'triplet'

def test_unknown_choice_is_rejected_by_the_parser(tmp_path):
    r = run_main('train', '--out', tmp_path / 'x', '--loss', 'softmax')
    assert r.returncode == 2 and "invalid choice: 'softmax'" in r.stderr
