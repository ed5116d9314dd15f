"""Bad input: one test per case, each expecting one clear error naming the cause, and no partial output.

The table of cases and messages in docs/reliability.md is kept in step with these tests."""
import os, shutil, subprocess, json
from pathlib import Path
import numpy as np, pytest, torch
from fastcore.foundation import L
from conftest import run_cli, run_main, TINY_TRAIN, tiny_config
from readnet.training.checkpoint import read_checkpoint

def market_args(root): return ['--data', 'market1501', '--root', root, *TINY_TRAIN[2:], '--epochs', '1']

def expect_one_line_error(r, *needles):
    "Exit status 2, one `readnet train: error:` line naming the cause, no traceback."
    assert r.returncode == 2, (r.returncode, r.stderr[-3000:])
    lines = [l for l in r.stderr.splitlines() if 'error:' in l]
    assert len(lines) == 1 and 'Traceback' not in r.stderr, r.stderr[-3000:]
    for n in needles: assert str(n) in lines[0], (n, lines[0])
    print("ERRLINE", lines[0])  # shown with pytest -s; docs/reliability.md quotes these
    return lines[0]

def no_partial_output(out: Path):
    "Nothing was written, or only complete files (no temporaries, every JSON parses, the checkpoint loads)."
    if not out.exists(): return
    names = [str(f.relative_to(out)) for f in out.rglob('*')]
    assert not [n for n in names if Path(n).name.startswith('.')], names
    for f in out.glob('*.json'): json.loads(f.read_text())
    state = read_checkpoint(out)  # weights_only=True
    if state is not None:  # as fastai's load_model reads it: weights only, and fastcore's L (in its optimiser state)
        with torch.serialization.safe_globals([L]): torch.load(out / 'checkpoint' / f"{state['weights']}.pth", weights_only=True)

@pytest.fixture
def market_copy(tiny_synth, tmp_path):
    "A writable copy of the tiny synthetic set (Market-1501 layout) to damage."
    return Path(shutil.copytree(tiny_synth, tmp_path / 'market'))

def test_missing_dataset_root(tmp_path):
    out = tmp_path / 'run'
    expect_one_line_error(run_main('train', *market_args(tmp_path / 'nowhere'), '--out', out), tmp_path / 'nowhere', 'missing dataset root')
    assert not out.exists()

def test_wrong_layout(market_copy, tmp_path):
    shutil.rmtree(market_copy / 'query')
    out = tmp_path / 'run'
    expect_one_line_error(run_main('train', *market_args(market_copy), '--out', out), market_copy / 'query', 'missing folder')
    assert not out.exists()

def test_malformed_file_names(market_copy, tmp_path):
    shutil.copy(next((market_copy / 'bounding_box_train').glob('*.jpg')), market_copy / 'bounding_box_train' / 'person7.jpg')
    out = tmp_path / 'run'
    expect_one_line_error(run_main('train', *market_args(market_copy), '--out', out), 'person7.jpg', 'do not match')
    assert not out.exists()

@pytest.mark.parametrize('folder,split', [('query', 'query'), ('bounding_box_test', 'gallery')])
def test_empty_query_or_gallery(market_copy, tmp_path, folder, split):
    for f in (market_copy / folder).glob('*.jpg'): f.unlink()
    out = tmp_path / 'run'
    expect_one_line_error(run_main('train', *market_args(market_copy), '--out', out), f'no {split} images')
    assert not out.exists()

def test_camera_id_out_of_range(market_copy, tmp_path):
    f = next((market_copy / 'bounding_box_train').glob('*.jpg'))
    f.rename(f.with_name(f.name[:5] + 'c7' + f.name[7:]))  # Market-1501 has cameras c1..c6
    out = tmp_path / 'run'
    expect_one_line_error(run_main('train', *market_args(market_copy), '--out', out), 'camera ids', '7')
    assert not out.exists()

def test_more_identities_per_batch_than_available(tiny_synth, tmp_path):
    out = tmp_path / 'run'
    r = run_main('train', *TINY_TRAIN, '--root', tiny_synth, '--out', out, '--P', '50', '--epochs', '1')
    expect_one_line_error(r, 'P=50')
    assert not out.exists()

def test_unreadable_image(market_copy, tmp_path):
    bad = sorted((market_copy / 'bounding_box_train').glob('*.jpg'))[3]
    bad.write_bytes(b'not a jpeg at all')
    out = tmp_path / 'run'
    expect_one_line_error(run_main('train', *market_args(market_copy), '--out', out), bad.name, 'corrupt image')
    no_partial_output(out)

def test_nan_features_into_evaluation():
    from readnet.evaluation.metrics import evaluate_features
    qf, gf = torch.randn(4, 8), torch.randn(10, 8)
    qf[1, 3] = float('nan')
    ids = np.arange(10) % 3
    with pytest.raises(ValueError, match='NaN or inf'):
        evaluate_features(qf, gf, ids[:4], ids, np.zeros(4, int), np.ones(10, int))

def test_nan_loss_stops_with_epoch_and_batch_and_keeps_the_checkpoint(tiny_synth, tmp_path):
    from fastai.callback.core import Callback
    from readnet.training.learner import TrainingDiverged
    from readnet.training.run import train_run
    class PoisonSecondEpoch(Callback):
        order = -6  # just before the NaN guard looks at the loss
        def after_loss(self):
            if self.training and self.epoch == 1: self.learn.loss_grad = self.learn.loss_grad * float('nan')
    cfg = tiny_config(tiny_synth, epochs=3)
    with pytest.raises(TrainingDiverged, match='at epoch 1 batch 0'):
        train_run(cfg, tmp_path / 'run', cbs=[PoisonSecondEpoch()], plots=False)
    assert read_checkpoint(tmp_path / 'run')['epoch'] == 0  # the last good epoch
    assert not (tmp_path / 'run' / 'final.json').exists()
    no_partial_output(tmp_path / 'run')

def test_weights_of_the_wrong_architecture(tiny_synth, tmp_path):
    import torchvision
    weights = tmp_path / 'resnet18.pth'
    torch.save(torchvision.models.resnet18().state_dict(), weights)
    out = tmp_path / 'run'
    r = run_main('train', *TINY_TRAIN, '--root', tiny_synth, '--out', out, '--arch', 'resnet34', '--weights', weights)
    expect_one_line_error(r, weights, 'resnet18')
    assert not out.exists()

def test_unwritable_out(tiny_synth, tmp_path):
    out = Path('/sys/readnet-run')  # a read-only file system (permission bits would not stop root)
    r = run_main('train', *TINY_TRAIN, '--root', tiny_synth, '--out', out, '--epochs', '1')
    expect_one_line_error(r, "cannot write in '/sys'")
    assert not out.exists()

@pytest.fixture
def small_disk(tmp_path):
    "A 2 MiB tmpfs: room for the config, not for a checkpoint."
    mnt = tmp_path / 'disk'
    mnt.mkdir()
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', str(mnt)], capture_output=True).returncode:
        pytest.skip('cannot mount a small tmpfs here (needs root)')
    yield mnt
    subprocess.run(['umount', str(mnt)], check=True)

def test_full_disk(tiny_synth, small_disk):
    out = small_disk / 'run'
    r = run_main('train', *TINY_TRAIN, '--root', tiny_synth, '--out', out, '--epochs', '1')
    expect_one_line_error(r, 'checkpoint/epoch-0000.pth', 'No space left on device')
    no_partial_output(out)

@pytest.mark.parametrize('which', ['state.pth', 'epoch-0000.pth'])
def test_checkpoint_holding_a_pickled_object_is_refused(tiny_synth, tmp_path, which):
    "Checkpoints load with weights_only=True: a file from elsewhere that carries a pickled object cannot run code."
    import argparse
    from readnet.training.checkpoint import CHECKPOINT
    run = tmp_path / 'run'
    tiny_config(tiny_synth, epochs=2).to_json(run / 'config.json')
    (run / CHECKPOINT).mkdir()
    names = ['epoch', 'train_loss', 'time']
    state = dict(epoch=0, weights='epoch-0000', names=names, values=[[1.0]], seconds=[1.0], sampler_epoch=1, ranks=[])
    torch.save(dict(state, note=argparse.Namespace(could='run code')) if which == 'state.pth' else state, run / CHECKPOINT / 'state.pth')
    torch.save(dict(model=argparse.Namespace(could='run code')), run / CHECKPOINT / 'epoch-0000.pth')
    r = run_main('train', '--resume', run)
    expect_one_line_error(r, f'{CHECKPOINT}/{which}', 'holds pickled Python objects', 'weights_only=True')
    assert not (run / 'final.json').exists() and not (run / 'metrics.csv').exists()
