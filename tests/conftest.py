import os, sys, subprocess
from pathlib import Path
import pytest

if os.environ.get('PYTEST_XDIST_WORKER'):  # `make test` runs pytest in 2 workers on 2 cores: one thread each, for
    os.environ.setdefault('OMP_NUM_THREADS', '1')  # the tests' own torch and every interpreter they start

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the venv running pytest also holds the console scripts

def run_cli(*args, cwd=None, timeout=900, env=None):
    "Run the `readnet` console script; returns the CompletedProcess (text, both streams captured)."
    return subprocess.run([str(BIN / 'readnet'), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, env={**os.environ, **(env or {})})

def run_main(*args):
    """Run `readnet.cli.main` in this process, as the console script would (exit status, stdout, stderr in a
    CompletedProcess) but without starting an interpreter and importing torch again (5–12 s a call): for the errors
    that stop a command before it trains, and for small runs checked through the files they write. The console
    script itself is run by `run_cli` in the training tests."""
    import contextlib, io, signal
    from readnet.cli import main
    out, err, handler = io.StringIO(), io.StringIO(), signal.getsignal(signal.SIGTERM)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try: code = main([str(a) for a in args])
        except SystemExit as e: code = e.code  # argparse's own errors
        finally: signal.signal(signal.SIGTERM, handler)  # `readnet train` installs its own
    return subprocess.CompletedProcess(['readnet', *map(str, args)], code, out.getvalue(), err.getvalue())

@pytest.fixture
def repo(): return REPO

TINY = dict(n_train_ids=8, n_test_ids=6, n_cams=3, seed=1)
# A training command small enough for tests: 8 identities, P 4 x K 2, 64x32 images, ResNet-18.
TINY_TRAIN = ['--data', 'synthetic', '--P', '4', '--K', '2', '--size', '64', '32', '--arch', 'resnet18',
              '--num-workers', '0', '--eval-every', '1']

def tiny_config(root, **overrides):
    "The resolved configuration of the TINY_TRAIN sizes (P 4 x K 2, 64x32, ResNet-18, no workers) on `root`."
    from readnet.training.config import TrainConfig
    return TrainConfig.resolve(root=str(root), P=4, K=2, size=(64, 32), num_workers=0, **overrides)

REF_ARGS = [*TINY_TRAIN, '--epochs', '2', '--adversary']  # the reference run: ATL + the paper's ACN, seed 0

def shared(tmp_path_factory, name, make):
    """`make(path)` once per test session, even with several pytest-xdist workers (xdist's recipe: a lock file in
    the temporary folder the workers share); returns `path`. A failed `make` is retried by the next caller."""
    from filelock import FileLock
    root = tmp_path_factory.getbasetemp()
    if os.environ.get('PYTEST_XDIST_WORKER'): root = root.parent
    path, done = root / name, root / f'{name}.done'
    with FileLock(str(root / f'{name}.lock')):
        if not done.exists():
            make(path)
            done.touch()
    return path

@pytest.fixture(scope='session')
def ref_run(tiny_synth, tmp_path_factory):
    """The reference run, trained once per session by the console script (`readnet train REF_ARGS`): its directory and
    the console's output. Tests that only read a run use it; a test that writes into a run works on a copy."""
    def make(folder):
        r = run_cli('train', *REF_ARGS, '--root', tiny_synth, '--out', folder / 'run')
        assert r.returncode == 0, r.stderr[-3000:]
        (folder / 'stdout.txt').write_text(r.stdout)
    folder = shared(tmp_path_factory, 'ref', make)
    return folder / 'run', subprocess.CompletedProcess(['readnet', 'train'], 0, (folder / 'stdout.txt').read_text(), '')

def copy_run(run, dst):
    "A copy of the run directory `run` at `dst`, to write into."
    import shutil
    return Path(shutil.copytree(run, dst))

@pytest.fixture(scope='session')
def tiny_synth(tmp_path_factory):
    "A tiny synthetic dataset (generated once per test session)."
    from readnet.data.synth import make_synthetic_reid
    return shared(tmp_path_factory, 'data', lambda path: make_synthetic_reid(path / 'synthetic', **TINY)) / 'synthetic'
