"The project skeleton: console script, version, and the notebook/library sync check that `make test` runs."
import json, shutil, subprocess, os
from pathlib import Path
import readnet
from conftest import REPO, BIN, run_cli, run_main

def test_version_matches_settings():
    settings = (REPO / 'settings.ini').read_text()
    version = next(l.split('=')[1].strip() for l in settings.splitlines() if l.startswith('version'))
    assert readnet.__version__ == version

def test_help_lists_subcommands():
    r = run_main('--help')
    assert r.returncode == 0, r.stderr
    from readnet.cli import build_parser
    names = build_parser()._subparsers._group_actions[0].choices.keys()
    assert names, 'no subcommands registered'
    for name in names: assert name in r.stdout

def test_info_runs():
    r = run_cli('info')
    assert r.returncode == 0, r.stderr
    assert 'cpu capability' in r.stdout and readnet.__version__ in r.stdout
    from readnet.core import cpu_flags
    listed = next(l for l in r.stdout.splitlines() if l.startswith('cpu: ')).split('flags:')[1].split()
    assert {f for f in ('avx2', 'avx512f', 'avx512_bf16', 'amx_bf16') if f in listed} == {'avx2', 'avx512f', 'avx512_bf16', 'amx_bf16'} & cpu_flags()

def _copy_project(dst: Path):
    for name in ('nbs', 'readnet', 'tools'): shutil.copytree(REPO / name, dst / name, ignore=shutil.ignore_patterns('__pycache__', '*.py', '.ipynb_checkpoints') if name == 'nbs' else shutil.ignore_patterns('__pycache__'))
    for name in ('settings.ini', 'pyproject.toml', 'setup.py', 'README.md'): shutil.copy(REPO / name, dst / name)

def _check_sync(cwd):
    return subprocess.run(['bash', 'tools/check_sync.sh'], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, 'BIN': str(BIN)}, timeout=300)

def test_sync_check_passes_on_the_repo_and_fails_on_an_unexported_edit(tmp_path):
    _copy_project(tmp_path)
    ok = _check_sync(tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    nb_path = tmp_path / 'nbs' / '00_core.ipynb'
    nb = json.loads(nb_path.read_text())
    cell = next(c for c in nb['cells'] if c['cell_type'] == 'code' and 'class ReIDDataError' in ''.join(c['source']))
    src = ''.join(cell['source'])
    cell['source'] = src.replace('"A dataset on disk', '"Edited: a dataset on disk')
    assert cell['source'] != src
    nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    subprocess.run([str(BIN / 'nbdev_clean'), '--fname', str(nb_path)], check=True, cwd=tmp_path, capture_output=True)
    bad = _check_sync(tmp_path)
    assert bad.returncode != 0
    assert 'notebooks and library out of sync' in bad.stderr

def test_sync_check_fails_on_an_unclean_notebook(tmp_path):
    _copy_project(tmp_path)
    nb_path = tmp_path / 'nbs' / '00_core.ipynb'
    nb = json.loads(nb_path.read_text())
    nb['cells'][0]['metadata']['scrolled'] = True  # the kind of metadata Jupyter adds and nbdev_clean strips
    nb['metadata']['widgets'] = {'state': {}}
    nb_path.write_text(json.dumps(nb, indent=1) + '\n')
    bad = _check_sync(tmp_path)
    assert bad.returncode != 0
    assert 'notebooks were not clean' in bad.stderr
