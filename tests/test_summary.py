"`readnet data` (readnet.data.summary.data_cli): the summary table, the sample grid and the image check (issue 18)."
import json
from pathlib import Path
import numpy as np
import pandas as pd
import pytest
from PIL import Image
from readnet.core import ReIDDataError
from readnet.data.readers import get_dataset, PUBLISHED_COUNTS
from readnet.test_utils import market1501_fixture, msmt17_fixture
from readnet.data.summary import data_cli, split_summary, summary_text, check_images, sample_grid

@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv('READNET_CACHE', str(tmp_path / 'cache'))
    return tmp_path / 'cache'

def test_data_on_the_synthetic_set(tiny_synth, tmp_path, capsys):
    "The issue's check: `readnet data --data synthetic` prints the table and writes the grid."
    from readnet.data.synth import MARKER
    before = sorted(p.name for p in Path(tiny_synth).iterdir())
    assert data_cli('synthetic', str(tiny_synth), out=str(tmp_path / 'report')) == 0
    printed = capsys.readouterr().out
    counts = json.loads((Path(tiny_synth) / MARKER).read_text())
    df = get_dataset('synthetic', tiny_synth)
    lines = printed.splitlines()
    assert lines[0] == f'synthetic: {Path(tiny_synth).resolve()}'
    rows = {l.split()[0]: l.split() for l in lines[2:5]}
    for split in ('train', 'query', 'gallery'):  # ids, images, cameras, distractors as read from the files
        part = df[df.split == split]
        assert rows[split][1:5] == [str(part.pid[part.pid > 0].nunique()), f'{len(part):,}', str(part.camid.nunique()),
                                    str((part.pid == 0).sum())]
    assert 'no published counts to compare with' in printed
    assert f"sample grid: {tmp_path / 'report' / 'samples.png'} (3 cameras" in printed
    grid = np.asarray(Image.open(tmp_path / 'report' / 'samples.png'))
    assert grid.shape == (4 + 3 * (128 + 4), 64 + 8 * (64 + 4), 3)
    assert (tmp_path / 'report' / 'summary.txt').read_text() == printed[:printed.index('sample grid:')]
    assert sorted(p.name for p in Path(tiny_synth).iterdir()) == before  # read as it is: nothing generated inside
    assert counts['config']['n_cams'] == 3

def test_check_lists_every_unreadable_image(tmp_path, capsys):
    truth = market1501_fixture(tmp_path / 'data' / 'Market-1501-v15.09.15')
    broken = [Path(p) for p in truth.path[[1, 7, 12]]]
    broken[0].write_bytes(broken[0].read_bytes()[:150])  # cut short
    broken[1].write_bytes(b'')  # empty
    broken[2].write_text('<html>404 Not Found</html>')  # an error page saved as .jpg
    assert data_cli('market1501', str(tmp_path / 'data'), check=True, out=str(tmp_path / 'r')) == 1
    printed = capsys.readouterr().out
    assert 'checked 17 images: 3 unreadable' in printed
    listed = [l.split('\t')[0] for l in (tmp_path / 'r' / 'unreadable.txt').read_text().splitlines()]
    assert sorted(listed) == sorted(map(str, broken))
    assert all(f'{p}: unreadable or corrupt image' in printed for p in broken)
    for p in broken: p.write_bytes(Path(truth.path[0]).read_bytes())  # repaired
    assert data_cli('market1501', str(tmp_path / 'data'), check=True, out=str(tmp_path / 'r')) == 0
    assert 'checked 17 images: 0 unreadable' in capsys.readouterr().out
    assert (tmp_path / 'r' / 'unreadable.txt').read_text() == ''

def test_msmt17_summary_names_version_and_convention(tmp_path, capsys):
    msmt17_fixture(tmp_path / 'data' / 'MSMT17_V2', version='V2')
    assert data_cli('msmt17', str(tmp_path / 'data'), out=str(tmp_path / 'r'), msmt17_val='merge') == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"msmt17: {(tmp_path / 'data' / 'MSMT17_V2').resolve()} (MSMT17_V2, list_val.txt merged into training)")
    assert 'train 9 here, 32,621 published' in printed  # the official count is the one compared with under 'merge'
    data_cli('msmt17', str(tmp_path / 'data'), out=str(tmp_path / 'r'))
    printed = capsys.readouterr().out
    assert '(MSMT17_V2, list_val.txt kept out of training)' in printed and 'train 6 here, 30,248 published' in printed

def test_split_summary_by_hand(tmp_path):
    msmt17_fixture(tmp_path / 'MSMT17_V1')
    df = get_dataset('msmt17', tmp_path, check_counts=False)
    t = split_summary(df)
    # MSMT17_LAYOUT without list_val.txt: train labels 0 (2 images), 1 (3), 2 (1); query 0 (1), 1 (2); gallery 0, 1 (2 each), 2 (1)
    assert t.loc['train'].to_dict() == {'ids': 3, 'published ids': 1041, 'images': 6, 'published images': 30248,
                                        'cameras': 5, 'distractors': 0, 'per id min': 1, 'per id median': 2.0, 'per id max': 3}
    assert t.loc['gallery', ['ids', 'images', 'per id min', 'per id max']].tolist() == [3, 5, 1, 2]
    assert pd.isna(t.loc['gallery', 'published ids'])  # gallery identities are not published

def test_counts_match_message(tmp_path, monkeypatch):
    market1501_fixture(tmp_path / 'm')
    df = get_dataset('market1501', tmp_path / 'm', check_counts=False)
    assert 'differences from the published counts: train 8 here, 12,936 published;' in summary_text(df)
    monkeypatch.setitem(PUBLISHED_COUNTS, 'market1501', dict(train=8, query=3, gallery=6, train_ids=3, query_ids=2))
    assert summary_text(df).endswith('every count matches the published one\n')

def test_reader_warnings_become_notes(tmp_path, capsys):
    truth = market1501_fixture(tmp_path / 'm')
    for p in truth.path[(truth.split == 'gallery') & (truth.pid == 5)]: Path(p).unlink()  # query 5 has no gallery image
    assert data_cli('market1501', str(tmp_path / 'm'), out=str(tmp_path / 'r')) == 0
    notes = [l for l in capsys.readouterr().out.splitlines() if l.startswith('note:')]
    assert notes == [f"note: {tmp_path / 'm' / 'query'}: 1 query identities have no gallery image: 5"]

def test_bad_root_is_one_line(tmp_path):
    msmt17_fixture(tmp_path / 'data' / 'MSMT17_V1'); msmt17_fixture(tmp_path / 'data' / 'MSMT17_V2', version='V2')
    with pytest.raises(ReIDDataError) as e: data_cli('msmt17', str(tmp_path / 'data'), out=str(tmp_path / 'r'))
    assert '2 MSMT17 copies found' in str(e.value) and '\n' not in str(e.value)
    assert not (tmp_path / 'r').exists()
    with pytest.raises(ValueError, match="msmt17_val='all'"): data_cli('msmt17', str(tmp_path / 'data'), msmt17_val='all')

def test_grid_marks_undecodable_samples(tmp_path):
    market1501_fixture(tmp_path / 'm')
    df = get_dataset('market1501', tmp_path / 'm', check_counts=False)
    (only,) = df.path[(df.pid == 7) & (df.camid == 1)]  # person 7's one image from camera 2
    Path(only).write_bytes(b'')
    bad = sample_grid(df, tmp_path / 'g.png', per_camera=20)  # one image of every person of every camera is drawn
    assert bad == [only]
    assert check_images(df.path, n_workers=0, progress=False).path.tolist() == [only]
