"Two processes generating the same synthetic dataset at once end with one complete copy and no temporary folders."
import json, subprocess, sys
from readnet.data.synth import MARKER

SCRIPT = "import sys; from readnet.data.synth import make_synthetic_reid; make_synthetic_reid(sys.argv[1], 4, 4, seed=3)"

def test_concurrent_generation(tmp_path):
    root = tmp_path / 'synth'
    procs = [subprocess.Popen([sys.executable, '-c', SCRIPT, str(root)], stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for p in procs: assert p.wait(timeout=300) == 0, p.stderr.read()
    assert [p.name for p in tmp_path.iterdir()] == ['synth']  # no .synth.tmp-* left behind
    counts = json.loads((root / MARKER).read_text())['counts']
    assert sum(counts.values()) == len(list(root.rglob('*.jpg')))

def test_get_dataset_passes_the_knobs(tmp_path):
    "`get_dataset('synthetic', ...)` passes the knobs to the generator; default knobs keep the cache folder's old name."
    from readnet.data.readers import get_dataset
    from readnet.data.synth import make_synthetic_reid, noisy_labels
    size = dict(n_train_ids=6, n_test_ids=4, n_cams=3, seed=2)
    df = get_dataset('synthetic', tmp_path, **size, camera_shift=.75, images_per_id=3, label_noise=.25)
    folder = tmp_path / 'synthetic-n_train_ids=6-n_test_ids=4-n_cams=3-seed=2-camera_shift=0.75-images_per_id=3-label_noise=0.25'
    assert [p for p in tmp_path.iterdir()] == [folder]
    assert (df.split == 'train').sum() == 18 and len(noisy_labels(folder)) == 4  # 3 a person; 25 % of 18, rounded
    config = json.loads((folder / MARKER).read_text())['config']
    assert {k: config[k] for k in ('camera_shift', 'images_per_id', 'label_noise')} == dict(camera_shift=.75, images_per_id=3, label_noise=.25)
    # the marker's config, read back as arguments (as a run reloads its dataset), names the same complete dataset
    stamp = (folder / MARKER).stat().st_mtime_ns
    assert make_synthetic_reid(folder, **{k: v for k, v in config.items() if k != 'generator'}) == folder
    assert (folder / MARKER).stat().st_mtime_ns == stamp
    get_dataset('synthetic', tmp_path, **size, camera_shift=None, images_per_id=None, label_noise=None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['synthetic-n_train_ids=6-n_test_ids=4-n_cams=3-seed=2', folder.name]
