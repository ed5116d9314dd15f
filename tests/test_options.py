"""Every `readnet train` option is validated in one place (`TrainConfig`): one line naming the option, exit status 2,
no traceback, no run directory; `--config` replays a run; `python -m readnet` is the same entry point."""
import csv, json, subprocess, sys
from pathlib import Path
import pytest, torch
from conftest import BIN, run_cli, run_main, TINY_TRAIN

BAD_OPTIONS = [
    (['--epochs', '-1'], '--epochs must be >= 1, got -1'),
    (['--P', '0'], '--P must be >= 2, got 0'),
    (['--K', '1'], '--K must be >= 2, got 1'),
    (['--lr', '-1'], '--lr must be > 0.0, got -1.0'),
    (['--margin', '-1'], '--margin must be > 0.0, got -1.0'),
    (['--w1', '-1'], '--w1 must be >= 0.0, got -1.0'),
    (['--adversary', '--w2', '-5'], '--w2 must be >= 0.0, got -5.0'),
    (['--eval-every', '-3'], '--eval-every must be >= 0, got -3'),
    (['--num-workers', '-2'], '--num-workers must be 0..64, got -2'),
    (['--size', '0', '0'], '--size must be 16..1024, got 0 0'),
    (['--nproc', '0'], '--nproc must be 1..256, got 0'),
    (['--seed', '-1'], '--seed must be 0..2147483647, got -1'),
    (['--val-ids', '0.9'], '--val-ids must be 0.0..0.5, got 0.9'),
    (['--milestones', '0.9', '0.5'], '--milestones must be increasing fractions in (0, 1)'),
    (['--data', 'market1501'], '--data market1501 needs --root'),
    (['--preset', 'paper'], '--preset paper fine-tunes ImageNet weights: pass --weights'),
    (['--weights', '/nowhere/resnet50.pth'], "--weights: weights file '/nowhere/resnet50.pth' does not exist"),
    (['--resume', '/nowhere/run'], "--resume '/nowhere/run': not a run directory"),
    (['--config', '/nowhere/config.json'], "--config '/nowhere/config.json': cannot read it"),
]

@pytest.mark.parametrize('args,message', BAD_OPTIONS, ids=[a[0] if a[0] != '--adversary' else a[1] for a, _ in BAD_OPTIONS])
def test_bad_option_gives_one_line_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / 'run'
    r = run_main('train', *args, *([] if '--resume' in args else ['--out', out]))
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert lines == [f'readnet train: error: {message}'] or (len(lines) == 1 and message in lines[0]), r.stderr[-2000:]
    assert 'Traceback' not in r.stderr
    assert not out.exists()

def test_adversary_options_without_adversary_are_noted_and_dropped(tmp_path):
    "make run's command with --adversary taken out still runs: the plain baseline, with one note naming what is ignored."
    out = tmp_path / 'run'
    r = run_main('train', '--loss', 'atl', '--erase', '--w2', '0.1', '--epochs', '-1', '--out', out)
    assert r.returncode == 2 and not out.exists()  # stopped by the bad --epochs, after the note
    assert [l for l in r.stderr.splitlines() if l.strip()] == [
        'note: --w2 0.1 ignored: no camera adversary without --adversary',
        'readnet train: error: --epochs must be >= 1, got -1'], r.stderr[-2000:]

def test_weights_file_that_is_not_a_state_dict(tmp_path):
    bad = tmp_path / 'notes.pth'
    torch.save(['not', 'a', 'state dict'], bad)
    r = run_main('train', '--weights', bad, '--out', tmp_path / 'run')
    assert r.returncode == 2 and 'Traceback' not in r.stderr
    assert f"--weights: weights file '{bad}' holds a list, expected a state dict" in r.stderr
    assert not (tmp_path / 'run').exists()

def test_argparse_type_errors_name_the_option(tmp_path):
    r = run_main('train', '--epochs', 'ten', '--out', tmp_path / 'run')
    assert r.returncode == 2 and "argument --epochs: invalid int value: 'ten'" in r.stderr

def test_config_replays_a_run_and_python_m_readnet_works(ref_run, tmp_path):
    a, b = ref_run[0], tmp_path / 'b'
    r = subprocess.run([sys.executable, '-m', 'readnet', 'train', '--config', a / 'config.json', '--out', b],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (a / 'config.json').read_text() == (b / 'config.json').read_text()
    assert (a / 'metrics.csv').read_text() == (b / 'metrics.csv').read_text()
    fa, fb = (json.loads((d / 'final.json').read_text()) for d in (a, b))
    for f in (fa, fb): f.pop('train_time_s')
    assert fa == fb
    # an option beside --config changes that setting only
    c = tmp_path / 'c'
    r = run_main('train', '--config', a / 'config.json', '--out', c, '--epochs', '1')
    assert r.returncode == 0, r.stderr[-3000:]
    ca, cc = (json.loads((d / 'config.json').read_text()) for d in (a, c))
    assert {k for k in ca if ca[k] != cc[k]} == {'epochs'}

def test_resume_refuses_other_options(tiny_synth, tmp_path):
    r = run_main('train', '--resume', tmp_path, '--epochs', '3')
    assert r.returncode == 2 and '--resume continues a run with its own configuration; drop --epochs' in r.stderr

def test_duke_margin_and_paper_record_in_the_run(tmp_path):
    from readnet.test_utils import dukemtmc_fixture
    dukemtmc_fixture(tmp_path / 'duke')
    out = tmp_path / 'run'
    r = run_main('train', '--data', 'dukemtmc', '--root', tmp_path / 'duke', '--P', '2', '--K', '2', '--size', '64', '32',
                '--epochs', '1', '--out', out)
    assert r.returncode == 0, r.stderr[-3000:]
    cfg = json.loads((out / 'config.json').read_text())
    assert (cfg['loss'], cfg['margin']) == ('atl', 0.05)  # the paper's ATL margin on DukeMTMC-reID
    final = json.loads((out / 'final.json').read_text())
    assert final['paper_recipe'] is False and any(d.startswith('arch=') for d in final['paper_deviations'])
    assert final['metric'] == 'cosine' and final['eval_split'] == 'test'  # ATL's default distance (EVAL_METRICS)
    assert set(final['distances']) == {'euclidean', 'cosine'} and final['distances']['cosine']['mAP'] == final['mAP']
