import os, sys, subprocess
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the venv running pytest also holds the console scripts

def run_cli(*args, cwd=None, timeout=900, env=None):
    "Run the `readnet` console script; returns the CompletedProcess (text, both streams captured)."
    return subprocess.run([str(BIN / 'readnet'), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, env={**os.environ, **(env or {})})

@pytest.fixture
def repo(): return REPO
