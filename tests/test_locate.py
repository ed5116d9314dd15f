"Datasets as people have them: the dataset folder, its parent data folder, or the downloaded archive (issue 18)."
import io, json, os, shutil, tarfile, zipfile
from pathlib import Path
import pandas as pd
import pytest
from readnet.data import locate
from readnet.core import ReIDDataError
from readnet.data.readers import get_dataset
from readnet.data.locate import locate_dataset, extract_archive, archive_listing, ARCHIVE_STAMP
from readnet.test_utils import market1501_fixture, dukemtmc_fixture, cuhk03_fixture, msmt17_fixture, pack_fixture
from conftest import run_main

@pytest.fixture
def cache(tmp_path, monkeypatch):
    "An empty dataset cache ($READNET_CACHE) for the test."
    monkeypatch.setenv('READNET_CACHE', str(tmp_path / 'cache'))
    return tmp_path / 'cache'

def moved(truth, old, new):
    "`truth` with its image paths moved from folder `old` to folder `new`."
    out = truth.assign(path=str(Path(new).resolve()) + truth.path.str[len(str(Path(old).resolve())):])
    out.attrs.update(truth.attrs)
    return out

def same_table(df, truth):
    pd.testing.assert_frame_equal(df, truth)
    assert {k: v for k, v in df.attrs.items() if k != 'root'} == {k: v for k, v in truth.attrs.items() if k != 'root'}

# ---------------------------------------------------------------- parent folders, by torchreid's and fast-reid's names
@pytest.mark.parametrize('name,rel,writer', [
    ('market1501', 'Market-1501-v15.09.15', market1501_fixture),              # fast-reid: datasets/Market-1501-v15.09.15
    ('market1501', 'market1501/Market-1501-v15.09.15', market1501_fixture),   # torchreid: reid-data/market1501/Market-…
    ('market1501', 'market1501', market1501_fixture),                         # torchreid's older layout
    ('dukemtmc', 'DukeMTMC-reID', dukemtmc_fixture),
    ('dukemtmc', 'dukemtmc-reid/DukeMTMC-reID', dukemtmc_fixture),
    ('msmt17', 'MSMT17_V1', lambda r: msmt17_fixture(r, version='V1')),
    ('msmt17', 'MSMT17_V2', lambda r: msmt17_fixture(r, version='V2')),
    ('msmt17', 'msmt17/MSMT17_V2', lambda r: msmt17_fixture(r, version='V2'))])
def test_parent_folder(tmp_path, cache, name, rel, writer):
    truth = writer(tmp_path / 'data' / rel)
    (tmp_path / 'data' / 'other' / 'query').mkdir(parents=True)  # unrelated folders are not looked into
    for root in (tmp_path / 'data', tmp_path / 'data' / rel):
        df = get_dataset(name, root)
        same_table(df, truth)
        assert df.attrs['root'] == str((tmp_path / 'data' / rel).resolve())
    assert not cache.exists()  # nothing was extracted or copied

def test_cuhk03_torchreid_layout(tmp_path, cache):
    "torchreid: reid-data/cuhk03/ holds the two configs and cuhk03_release/cuhk-03.mat (the official zip, extracted)."
    truth = cuhk03_fixture(tmp_path / 'data' / 'cuhk03')
    (tmp_path / 'data' / 'cuhk03' / 'cuhk03_release').mkdir()
    shutil.move(tmp_path / 'data' / 'cuhk03' / 'cuhk-03.mat', tmp_path / 'data' / 'cuhk03' / 'cuhk03_release' / 'cuhk-03.mat')
    for v in ('labeled', 'detected'):
        same_table(get_dataset(f'cuhk03-{v}', tmp_path / 'data'), truth[v])

def test_default_root_is_the_cache(tmp_path, cache):
    truth = msmt17_fixture(cache / 'msmt17' / 'MSMT17_V2', version='V2')
    same_table(get_dataset('msmt17'), truth)

# ---------------------------------------------------------------- archives
@pytest.mark.parametrize('suffix', ['.zip', '.tar', '.tar.gz'])
def test_market_archive(tmp_path, cache, suffix, capsys):
    truth = market1501_fixture(tmp_path / 'src' / 'Market-1501-v15.09.15')
    archive = pack_fixture(tmp_path / 'src' / 'Market-1501-v15.09.15', tmp_path / 'dl' / f'Market-1501-v15.09.15{suffix}')
    shutil.rmtree(tmp_path / 'src')
    df = get_dataset('market1501', archive)
    # not a terminal: one line instead of a progress bar (22 files: 17 images, 3 junk, 2 Thumbs.db)
    assert capsys.readouterr().out == f"extracting {archive.resolve()} (22 files, 0.00 GB) into {cache / 'archives' / 'Market-1501-v15.09.15'}\n"
    folder = cache / 'archives' / 'Market-1501-v15.09.15' / 'Market-1501-v15.09.15'
    same_table(df, moved(truth, tmp_path / 'src' / 'Market-1501-v15.09.15', folder))
    assert df.attrs['root'] == str(folder.resolve())
    assert sorted(p.name for p in (cache / 'archives').iterdir()) == ['Market-1501-v15.09.15']  # no temporaries left
    stamp = json.loads((cache / 'archives' / 'Market-1501-v15.09.15' / ARCHIVE_STAMP).read_text())
    assert stamp['size'] == archive.stat().st_size and stamp['files'] == len(truth) + 3 + 2  # + junk + Thumbs.db
    # the folder holding only the archive works as well
    same_table(get_dataset('market1501', tmp_path / 'dl'), df)

def test_msmt17_archive_keeps_its_version(tmp_path, cache):
    truth = msmt17_fixture(tmp_path / 'src' / 'MSMT17_V2', version='V2', val='merge')
    archive = pack_fixture(tmp_path / 'src' / 'MSMT17_V2', tmp_path / 'MSMT17_V2.zip')
    df = get_dataset('msmt17', archive, msmt17_val='merge')
    same_table(df, moved(truth, tmp_path / 'src' / 'MSMT17_V2', cache / 'archives' / 'MSMT17_V2' / 'MSMT17_V2'))
    assert df.attrs['msmt17_val'] == 'merge' and df.attrs['msmt17_version'] == 'V2'

def test_archive_extracted_once(tmp_path, cache, monkeypatch):
    market1501_fixture(tmp_path / 'src' / 'Market-1501-v15.09.15')
    archive = pack_fixture(tmp_path / 'src' / 'Market-1501-v15.09.15', tmp_path / 'Market-1501-v15.09.15.zip')
    first = get_dataset('market1501', archive)
    def no_second_extraction(*a, **k): raise AssertionError('extracted twice')
    monkeypatch.setattr(locate, '_extract_into', no_second_extraction)
    pd.testing.assert_frame_equal(get_dataset('market1501', archive), first)
    pd.testing.assert_frame_equal(get_dataset('market1501', tmp_path), first)  # the parent holding src/ and the zip

def test_archive_of_another_size_is_extracted_again(tmp_path, cache):
    market1501_fixture(tmp_path / 'a' / 'Market-1501-v15.09.15')
    archive = pack_fixture(tmp_path / 'a' / 'Market-1501-v15.09.15', tmp_path / 'dl' / 'Market-1501-v15.09.15.zip')
    assert len(get_dataset('market1501', archive)) == 17
    extra = tmp_path / 'a' / 'Market-1501-v15.09.15' / 'bounding_box_train' / '0099_c2s1_000100_01.jpg'
    shutil.copy(next((tmp_path / 'a' / 'Market-1501-v15.09.15' / 'query').glob('*.jpg')), extra)
    pack_fixture(tmp_path / 'a' / 'Market-1501-v15.09.15', archive)
    df = get_dataset('market1501', archive)
    assert len(df) == 18 and (df.pid == 99).sum() == 1
    assert sorted(p.name for p in (cache / 'archives').iterdir()) == ['Market-1501-v15.09.15']

def test_extraction_race(tmp_path, monkeypatch):
    "Another process finishes the same archive while we extract: its folder is kept, ours dropped, no temporaries left."
    market1501_fixture(tmp_path / 'src' / 'Market-1501-v15.09.15')
    archive = pack_fixture(tmp_path / 'src' / 'Market-1501-v15.09.15', tmp_path / 'Market-1501-v15.09.15.zip')
    real = locate._extract_into
    def racing(archive, tmp, listing, progress):
        real(archive, tmp, listing, progress)
        theirs = tmp_path / 'cache' / 'Market-1501-v15.09.15'
        theirs.mkdir(); (theirs / 'theirs').write_text('x')
        (theirs / ARCHIVE_STAMP).write_text(json.dumps(dict(size=archive.stat().st_size)))
    monkeypatch.setattr(locate, '_extract_into', racing)
    out = extract_archive(archive, tmp_path / 'cache', progress=False)
    assert sorted(p.name for p in out.iterdir()) == [ARCHIVE_STAMP, 'theirs']
    assert sorted(p.name for p in (tmp_path / 'cache').iterdir()) == ['Market-1501-v15.09.15']

# ---------------------------------------------------------------- damaged archives: one line, nothing left behind
def _zip(tmp_path, name='Market-1501-v15.09.15.zip'):
    market1501_fixture(tmp_path / 'src' / 'Market-1501-v15.09.15')
    return pack_fixture(tmp_path / 'src' / 'Market-1501-v15.09.15', tmp_path / 'dl' / name)

def _nothing_left(cache):
    assert not cache.exists() or not list(cache.rglob('*')), list(cache.rglob('*'))

def test_truncated_zip(tmp_path, cache):
    archive = _zip(tmp_path)
    archive.write_bytes(archive.read_bytes()[:archive.stat().st_size * 2 // 3])
    with pytest.raises(ReIDDataError, match=rf'{archive}: not readable as a zip archive \(File is not a zip file\); a truncated'):
        get_dataset('market1501', archive)
    _nothing_left(cache)

def test_truncated_tar_gz(tmp_path, cache):
    market1501_fixture(tmp_path / 'src' / 'Market-1501-v15.09.15')
    archive = pack_fixture(tmp_path / 'src' / 'Market-1501-v15.09.15', tmp_path / 'Market-1501-v15.09.15.tar.gz')
    archive.write_bytes(archive.read_bytes()[:archive.stat().st_size // 2])
    with pytest.raises(ReIDDataError, match=rf'{archive}: damaged or truncated'): get_dataset('market1501', archive)
    _nothing_left(cache)

def test_corrupt_zip_member(tmp_path, cache):
    "A flipped byte inside a stored image: the CRC check fails while extracting; the half-made folder is removed."
    archive = _zip(tmp_path)
    with zipfile.ZipFile(archive) as z: info = next(i for i in z.infolist() if i.filename.endswith('.jpg'))
    data = bytearray(archive.read_bytes())
    data[info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + info.compress_size // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    with pytest.raises(ReIDDataError, match=rf'{archive}: damaged or truncated \((BadZipFile|error)'):
        get_dataset('market1501', archive)
    _nothing_left(cache / 'archives')

def test_unsafe_and_encrypted_members(tmp_path, cache):
    bad = tmp_path / 'evil.zip'
    with zipfile.ZipFile(bad, 'w') as z: z.writestr('../outside.txt', 'x')
    with pytest.raises(ReIDDataError, match=r"member '../outside.txt' points outside the archive's folder"): archive_listing(bad)
    bad = tmp_path / 'evil.tar'
    with tarfile.open(bad, 'w') as t:  # TarFile.add would strip the leading '/': write the member by hand
        member = tarfile.TarInfo('/etc/readnet-test'); member.size = 1
        t.addfile(member, io.BytesIO(b'x'))
    with pytest.raises(ReIDDataError, match=r"member '/etc/readnet-test' points outside"): archive_listing(bad)
    locked = tmp_path / 'MSMT17_V2.zip'
    with zipfile.ZipFile(locked, 'w') as z: z.writestr('MSMT17_V2/list_train.txt', 'x')
    data = bytearray(locked.read_bytes())  # set the "encrypted" flag bit in the local and central headers
    for sig, at in ((b'PK\x03\x04', 6), (b'PK\x01\x02', 8)): data[data.index(sig) + at] |= 1
    locked.write_bytes(bytes(data))
    with pytest.raises(ReIDDataError, match=r"encrypted \(password-protected\) member 'MSMT17_V2/list_train.txt'; extract"):
        get_dataset('msmt17', locked)
    _nothing_left(cache)

def test_no_room_to_extract(tmp_path, cache, monkeypatch):
    archive = _zip(tmp_path)
    monkeypatch.setattr(locate.shutil, 'disk_usage', lambda p: shutil._ntuple_diskusage(10**9, 10**9 - 1000, 1000))
    with pytest.raises(ReIDDataError, match=rf'{archive}: needs 0.00 GB to extract, .* has 0.00 GB free'):
        get_dataset('market1501', archive)

def test_archive_without_the_dataset(tmp_path, cache):
    msmt17_fixture(tmp_path / 'src' / 'MSMT17_V2', version='V2')
    archive = pack_fixture(tmp_path / 'src' / 'MSMT17_V2', tmp_path / 'Market-1501-v15.09.15.zip')  # mislabelled
    with pytest.raises(ReIDDataError, match=rf'{archive}: holds no Market-1501 folder \(none with bounding_box_train'):
        get_dataset('market1501', archive)

# ---------------------------------------------------------------- what cannot be resolved: one line naming it
def test_locate_errors(tmp_path, cache):
    with pytest.raises(ReIDDataError, match=rf'{tmp_path / "nowhere"}: missing dataset root; expected the Market-1501 folder'):
        get_dataset('market1501', tmp_path / 'nowhere')
    (tmp_path / 'notes.txt').write_text('x')
    with pytest.raises(ReIDDataError, match=r'notes.txt: not a folder or a .zip/.tar/.tar.gz/.tgz/.tar.bz2/.tar.xz archive'):
        get_dataset('market1501', tmp_path / 'notes.txt')
    (tmp_path / 'data' / 'msmt17').mkdir(parents=True)
    with pytest.raises(ReIDDataError) as e: get_dataset('msmt17', tmp_path / 'data')
    msg = str(e.value)
    assert msg.startswith(f'{tmp_path / "data"}: no MSMT17 found; expected list_train.txt') and '\n' not in msg
    assert 'MSMT17_V2 or MSMT17_V1' in msg and 'msmt17/ there but holding none of them' in msg
    msmt17_fixture(tmp_path / 'data' / 'MSMT17_V1', version='V1'); msmt17_fixture(tmp_path / 'data' / 'MSMT17_V2', version='V2')
    with pytest.raises(ReIDDataError, match=r'2 MSMT17 copies found: .*MSMT17_V1, .*MSMT17_V2; pass the one to use'):
        get_dataset('msmt17', tmp_path / 'data')
    (tmp_path / 'dl').mkdir()
    for n in ('Market-1501-v15.09.15.zip', 'market1501.tar.gz'): (tmp_path / 'dl' / n).write_bytes(b'')
    with pytest.raises(ReIDDataError, match=r'2 Market-1501 copies found: .*Market-1501-v15.09.15.zip, .*market1501.tar.gz'):
        get_dataset('market1501', tmp_path / 'dl')
    market1501_fixture(tmp_path / 'm')
    with pytest.raises(ReIDDataError, match=r'bounding_box_train/ is a folder inside the dataset: pass its parent'):
        get_dataset('market1501', tmp_path / 'm' / 'bounding_box_train')

def test_msmt17_val_option(tmp_path, cache):
    excluded = msmt17_fixture(tmp_path / 'MSMT17_V1')
    same_table(get_dataset('msmt17', tmp_path), excluded)
    same_table(get_dataset('msmt17', tmp_path, msmt17_val='merge'), msmt17_fixture(tmp_path / 'MSMT17_V1', val='merge'))
    with pytest.raises(ValueError, match=r"msmt17_val='both'; expected one of \['exclude', 'merge'\]"):
        get_dataset('msmt17', tmp_path, msmt17_val='both')
    market1501_fixture(tmp_path / 'm')
    market = get_dataset('market1501', tmp_path / 'm', msmt17_val='merge')
    assert 'msmt17_val' not in market.attrs  # the option is MSMT17's; other datasets ignore it

def test_cli_one_line_error(tmp_path):
    "Through `readnet train`: an ambiguous data folder stops with one line before anything is written."
    msmt17_fixture(tmp_path / 'data' / 'MSMT17_V1'); msmt17_fixture(tmp_path / 'data' / 'MSMT17_V2', version='V2')
    r = run_main('train', '--data', 'msmt17', '--root', tmp_path / 'data', '--out', tmp_path / 'run')
    lines = [l for l in r.stderr.splitlines() if 'error:' in l]
    assert r.returncode == 2 and len(lines) == 1 and 'Traceback' not in r.stderr, r.stderr[-2000:]
    assert '2 MSMT17 copies found' in lines[0] and not (tmp_path / 'run').exists()
