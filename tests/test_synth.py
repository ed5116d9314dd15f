"Two processes generating the same synthetic dataset at once end with one complete copy and no temporary folders."
import json, subprocess, sys
from readnet.synth import MARKER

SCRIPT = "import sys; from readnet.synth import make_synthetic_reid; make_synthetic_reid(sys.argv[1], 4, 4, seed=3)"

def test_concurrent_generation(tmp_path):
    root = tmp_path / 'synth'
    procs = [subprocess.Popen([sys.executable, '-c', SCRIPT, str(root)], stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for p in procs: assert p.wait(timeout=300) == 0, p.stderr.read()
    assert [p.name for p in tmp_path.iterdir()] == ['synth']  # no .synth.tmp-* left behind
    counts = json.loads((root / MARKER).read_text())['counts']
    assert sum(counts.values()) == len(list(root.rglob('*.jpg')))
