"Dataset readers on fixture trees in the real layouts: every count and mapping, and every bad-input case."
import os, sys, shutil, types, warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
import numpy as np
import pandas as pd
import pytest
from PIL import Image
from scipy.io import loadmat, savemat
from readnet.core import ReIDDataError
from readnet.data import readers as data
from readnet.data.readers import (read_market1501, read_dukemtmc, read_cuhk03, read_msmt17, get_dataset, load_image,
                          check_published_counts, dataset_counts, PUBLISHED_COUNTS)
from readnet.test_utils import market1501_fixture, dukemtmc_fixture, cuhk03_fixture, msmt17_fixture, cuhk03_image, cuhk03_shots

def _no_warnings(f, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        return f(*args, **kw)

def _counts(df): return df.groupby('split').pid.agg(['size', 'nunique']).T.to_dict()

# ---------------------------------------------------------------- Market-1501 / DukeMTMC-reID
def test_market1501(tmp_path):
    truth = market1501_fixture(tmp_path)
    df = _no_warnings(read_market1501, tmp_path)
    pd.testing.assert_frame_equal(df, truth)
    # hand-checked against MARKET_LAYOUT: 3 junk dropped, 2 distractors (pid 0) kept, Thumbs.db ignored
    assert _counts(df) == {'gallery': {'size': 6, 'nunique': 3}, 'query': {'size': 3, 'nunique': 2},
                           'train': {'size': 8, 'nunique': 3}}
    assert (df.pid == 0).sum() == 2 and set(df.split[df.pid == 0]) == {'gallery'} and -1 not in df.pid.values
    assert sorted(df.camid.unique()) == [0, 1, 2, 3, 4, 5]
    row = df[df.path.str.endswith('0011_c6s2_001175_02.jpg')].iloc[0]
    assert (row.pid, row.camid, row.split) == (11, 5, 'train')
    assert all(os.path.isabs(p) and os.path.isfile(p) for p in df.path)
    assert df.split.tolist() == sorted(df.split) and list(df.columns) == ['path', 'pid', 'camid', 'split']
    assert df.attrs == {'name': 'market1501', 'n_cams': 6}

def test_dukemtmc(tmp_path):
    truth = dukemtmc_fixture(tmp_path)
    df = _no_warnings(read_dukemtmc, tmp_path)
    pd.testing.assert_frame_equal(df, truth)
    assert _counts(df) == {'gallery': {'size': 6, 'nunique': 3}, 'query': {'size': 3, 'nunique': 2},
                           'train': {'size': 5, 'nunique': 2}}
    assert set(df.pid[df.split == 'gallery']) - set(df.pid[df.split == 'query']) == {4001}  # distractor identity
    assert df.camid.max() == 7 and df.attrs == {'name': 'dukemtmc', 'n_cams': 8}
    row = df[df.path.str.endswith('0020_c5_f0047104.jpg')].iloc[0]
    assert (row.pid, row.camid, row.split) == (20, 4, 'query')

def test_market_bad_root_and_folders(tmp_path):
    with pytest.raises(ReIDDataError, match='nowhere: missing dataset root'): read_market1501(tmp_path / 'nowhere')
    market1501_fixture(tmp_path)
    shutil.rmtree(tmp_path / 'query')
    with pytest.raises(ReIDDataError, match=f"{tmp_path / 'query'}: missing folder"): read_market1501(tmp_path)

def test_market_bad_names_listed(tmp_path):
    market1501_fixture(tmp_path)
    for n in ('foo.jpg', '0005_c2_f0046985.jpg', 'abcd_c1s1_000451_03.jpg'): (tmp_path / 'bounding_box_test' / n).write_bytes(b'')
    with pytest.raises(ReIDDataError) as e: read_market1501(tmp_path)
    msg = str(e.value)
    assert str(tmp_path / 'bounding_box_test') in msg and '3 file names do not match' in msg
    assert all(n in msg for n in ('foo.jpg', '0005_c2_f0046985.jpg', 'abcd_c1s1_000451_03.jpg'))
    assert '0002_c1s1' in str(pytest.raises(ReIDDataError, read_dukemtmc, tmp_path).value)  # Market names are not Duke's

def test_market_empty_split(tmp_path):
    market1501_fixture(tmp_path)
    for p in (tmp_path / 'query').iterdir(): p.unlink()
    with pytest.raises(ReIDDataError, match=f"{tmp_path / 'query'}: no query images"): read_market1501(tmp_path)

def test_market_only_junk_is_empty(tmp_path):
    market1501_fixture(tmp_path)
    for p in (tmp_path / 'bounding_box_test').glob('0*.jpg'): p.unlink()  # only the junk (-1_…) files remain
    with pytest.raises(ReIDDataError, match='no gallery images'): read_market1501(tmp_path)

@pytest.mark.parametrize('cam', [0, 7])
def test_market_camera_out_of_range(tmp_path, cam):
    market1501_fixture(tmp_path)
    bad = tmp_path / 'bounding_box_train' / f'0002_c{cam}s1_000100_01.jpg'
    shutil.copy(next((tmp_path / 'query').iterdir()), bad)
    with pytest.raises(ReIDDataError) as e: read_market1501(tmp_path)
    assert str(bad) in str(e.value) and f'camera ids {cam} out of range' in str(e.value) and '1..6' in str(e.value)
    if cam == 7: assert read_market1501(tmp_path, n_cams=8).camid.max() == 6  # a set with more cameras accepts it

def test_market_query_without_gallery_warns(tmp_path):
    market1501_fixture(tmp_path)
    shutil.copy(next((tmp_path / 'query').iterdir()), tmp_path / 'query' / '0099_c1s1_000100_01.jpg')
    with pytest.warns(UserWarning, match=r'1 query identities have no gallery image: 99'): df = read_market1501(tmp_path)
    assert (df.pid == 99).sum() == 1

def test_market_distractor_outside_gallery(tmp_path):
    market1501_fixture(tmp_path)
    shutil.copy(next((tmp_path / 'query').iterdir()), tmp_path / 'query' / '0000_c1s1_000100_01.jpg')
    with pytest.raises(ReIDDataError, match='0000_c1s1_000100_01.jpg: distractor pid 0 outside the gallery'): read_market1501(tmp_path)

# ---------------------------------------------------------------- CUHK03
def test_cuhk03_tables_and_pixels(tmp_path):
    truth = cuhk03_fixture(tmp_path)
    for v in ('labeled', 'detected'):
        df = _no_warnings(read_cuhk03, tmp_path, v)
        pd.testing.assert_frame_equal(df, truth[v])
        assert df.attrs == {'name': f'cuhk03-{v}', 'n_cams': 10}
        # hand-checked: test ids 2,4,6,8 have 10 shots each -> 1 query per view, 8 gallery; train = the rest
        assert _counts(df)['query'] == {'size': 8, 'nunique': 4} and _counts(df)['gallery'] == {'size': 32, 'nunique': 4}
        assert _counts(df)['train']['nunique'] == 6
        files = sorted(os.listdir(tmp_path / f'images_{v}'))
        assert len(files) == sum(len(cuhk03_shots(v, l)) for l in range(1, 11)) == len(df)
        for name in files:  # every extracted image equals the array written into the .mat, orientation included
            pair, person, view, shot = map(int, name[:-4].split('_'))
            assert view == (1 if shot <= 5 else 2)
            np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / f'images_{v}' / name)), cuhk03_image(v, pair, person, shot))
    df = read_cuhk03(tmp_path, 'labeled')
    got = df.set_index(df.path.str.rsplit('/', n=1).str[-1])
    # pair 5, person 1 is label 10 (3+2+2+2+1 persons in pair order); camid = 2*(pair-1) + view-1
    assert got.loc['5_001_2_06.png', ['pid', 'camid', 'split']].tolist() == [10, 9, 'train']
    assert got.loc['1_002_1_01.png', ['pid', 'camid', 'split']].tolist() == [2, 0, 'query']
    assert got.loc['1_002_2_07.png', ['pid', 'camid', 'split']].tolist() == [2, 1, 'gallery']
    assert '1_001_1_02.png' not in got.index  # an empty cell in `labeled`
    assert not [p for p in os.listdir(tmp_path) if p.startswith('.')]  # no temporary folders left

def test_cuhk03_extracts_once(tmp_path):
    cuhk03_fixture(tmp_path)
    a = read_cuhk03(tmp_path)
    stamp = os.stat(tmp_path / 'images_labeled').st_mtime_ns
    (tmp_path / 'cuhk-03.mat').unlink()  # the .mat is only needed for the first extraction
    pd.testing.assert_frame_equal(read_cuhk03(tmp_path), a)
    assert os.stat(tmp_path / 'images_labeled').st_mtime_ns == stamp
    with pytest.raises(ReIDDataError, match=r"cuhk-03.mat: missing; expected CUHK03's cuhk-03.mat"): read_cuhk03(tmp_path, 'detected')

def test_cuhk03_extraction_race(tmp_path):
    "Another process finishing first: the rename fails, its folder is kept and our temporary folder removed."
    cuhk03_fixture(tmp_path)
    (tmp_path / 'images_labeled').mkdir(); (tmp_path / 'images_labeled' / 'theirs').write_text('x')
    data._extract_cuhk03(tmp_path / 'cuhk-03.mat', 'labeled', tmp_path / 'images_labeled')
    assert os.listdir(tmp_path / 'images_labeled') == ['theirs']
    assert not [p for p in os.listdir(tmp_path) if p.startswith('.')]

def _read(args): return read_cuhk03(*args)

def test_cuhk03_two_processes(tmp_path):
    truth = cuhk03_fixture(tmp_path)
    with ProcessPoolExecutor(2) as ex: tables = list(ex.map(_read, [(tmp_path, 'detected')] * 2))
    for t in tables: pd.testing.assert_frame_equal(t, truth['detected'])
    assert len(os.listdir(tmp_path / 'images_detected')) == len(truth['detected'])

def test_cuhk03_mat_is_matlab_73(tmp_path):
    import h5py
    cuhk03_fixture(tmp_path)
    assert (tmp_path / 'cuhk-03.mat').read_bytes()[:19] == b'MATLAB 7.3 MAT-file'
    with h5py.File(tmp_path / 'cuhk-03.mat') as f:
        assert f.userblock_size == 512 and f['labeled'].shape == (1, 5) and f['labeled'].dtype == h5py.ref_dtype
        assert f[f['labeled'][0, 0]].shape == (10, 3)  # pair 1: 3 persons × 10 shots, stored transposed
    with pytest.raises(NotImplementedError): loadmat(tmp_path / 'cuhk-03.mat')  # scipy: "use HDF reader for matlab v7.3"

def _rewrite_config(root, variant='labeled', **changes):
    path = root / f'cuhk03_new_protocol_config_{variant}.mat'
    cfg = {k: v for k, v in loadmat(path).items() if not k.startswith('__')}
    cfg.update(changes)
    savemat(path, {k: v for k, v in cfg.items() if v is not None})
    return path

def test_cuhk03_bad_config(tmp_path):
    cuhk03_fixture(tmp_path)
    with pytest.raises(ValueError, match="variant='both'"): read_cuhk03(tmp_path, 'both')
    with pytest.raises(ReIDDataError, match='nowhere: missing dataset root'): read_cuhk03(tmp_path / 'nowhere')
    cfg = loadmat(tmp_path / 'cuhk03_new_protocol_config_labeled.mat')
    path = _rewrite_config(tmp_path, camId=None)
    with pytest.raises(ReIDDataError, match=rf"{path}: missing fields \['camId'\]"): read_cuhk03(tmp_path)
    _rewrite_config(tmp_path, camId=cfg['camId'], query_idx=np.array([[0], [3]]))
    with pytest.raises(ReIDDataError, match=r'query_idx has values in 0..3; expected 1-based rows 1..76'): read_cuhk03(tmp_path)
    _rewrite_config(tmp_path, query_idx=cfg['query_idx'], labels=cfg['labels'][:-1])
    with pytest.raises(ReIDDataError, match='have 76, 75, 76 entries'): read_cuhk03(tmp_path)
    fl = cfg['filelist'].copy(); fl[3, 0] = np.array(['1_1_1_1.jpg'])
    _rewrite_config(tmp_path, labels=cfg['labels'], filelist=fl)
    with pytest.raises(ReIDDataError, match='filelist names do not match .*1_1_1_1.jpg'): read_cuhk03(tmp_path)
    _rewrite_config(tmp_path, filelist=cfg['filelist'], camId=3 - cfg['camId'])
    with pytest.warns(UserWarning, match='camId disagrees with the view in 76 file names'): read_cuhk03(tmp_path)
    (tmp_path / 'cuhk03_new_protocol_config_labeled.mat').write_bytes(b'not a mat file')
    with pytest.raises(ReIDDataError, match='not readable as a MATLAB v5 file'): read_cuhk03(tmp_path)
    (tmp_path / 'cuhk03_new_protocol_config_labeled.mat').unlink()
    with pytest.raises(ReIDDataError, match='config_labeled.mat: missing; expected the CUHK03 new-protocol config'): read_cuhk03(tmp_path)

def test_cuhk03_bad_mat_and_missing_images(tmp_path):
    cuhk03_fixture(tmp_path)
    import h5py
    with h5py.File(tmp_path / 'cuhk-03.mat', 'a') as f: del f['detected']
    with pytest.raises(ReIDDataError, match=r"cuhk-03.mat: no 'detected' cell array; found #refs#, labeled"): read_cuhk03(tmp_path, 'detected')
    assert not (tmp_path / 'images_detected').exists()  # nothing half-written is left to be mistaken for a result
    assert not [p for p in os.listdir(tmp_path) if p.startswith('.')]
    (tmp_path / 'images_labeled').mkdir(); (tmp_path / 'images_labeled' / '1_001_1_01.png').write_bytes(b'')
    with pytest.raises(ReIDDataError, match=r'images_labeled: 75 images named in cuhk03_new_protocol_config_labeled.mat are missing'):
        read_cuhk03(tmp_path)
    shutil.rmtree(tmp_path / 'images_labeled'); (tmp_path / 'cuhk-03.mat').write_bytes(b'garbage')
    with pytest.raises(ReIDDataError, match='not readable as a MATLAB v7.3'): read_cuhk03(tmp_path)

# ---------------------------------------------------------------- MSMT17
def test_msmt17(tmp_path):
    truth = msmt17_fixture(tmp_path)
    df = _no_warnings(read_msmt17, tmp_path)
    pd.testing.assert_frame_equal(df, truth)
    # hand-checked: list_val.txt left out (torchreid's default); test labels 0,1,2 -> pids 4,5,6 after the 3 training labels
    assert _counts(df) == {'gallery': {'size': 5, 'nunique': 3}, 'query': {'size': 3, 'nunique': 2},
                           'train': {'size': 6, 'nunique': 3}}
    assert sorted(df.pid[df.split == 'query'].unique()) == [4, 5]
    first = (tmp_path / 'list_train.txt').read_text().split()[0]  # 0000/0000_000_01_….jpg
    row = df[df.path == str(tmp_path.resolve() / 'train' / first)].iloc[0]
    assert (row.pid, row.camid, row.split) == (1, 0, 'train')
    assert df.camid.max() == 14
    assert df.attrs == {'name': 'msmt17', 'n_cams': 15, 'msmt17_val': 'exclude', 'msmt17_version': 'V1'}
    assert all(p.startswith(str(tmp_path.resolve() / 'test')) for p in df.path[df.split != 'train'])
    val = [str(tmp_path.resolve() / 'train' / l.split()[0]) for l in (tmp_path / 'list_val.txt').read_text().splitlines()]
    assert len(val) == 3 and not set(val) & set(df.path)

def test_msmt17_merge(tmp_path):
    truth = msmt17_fixture(tmp_path, val='merge')
    df = _no_warnings(read_msmt17, tmp_path, val='merge')
    pd.testing.assert_frame_equal(df, truth)
    assert _counts(df)['train'] == {'size': 9, 'nunique': 3}  # 6 + the 3 list_val.txt images, the same 3 identities
    assert df.attrs['msmt17_val'] == 'merge'
    excluded = read_msmt17(tmp_path)
    both = excluded.merge(df, on='path', suffixes=('_x', '_m'))
    assert len(both) == len(excluded) and (both.pid_x == both.pid_m).all() and (both.camid_x == both.camid_m).all()
    with pytest.raises(ValueError, match="val='combine'; expected 'exclude'"): read_msmt17(tmp_path, val='combine')

def test_msmt17_v2(tmp_path):
    "MSMT17_V2 (the release distributed now): the same lists, images in mask_train_v2/ and mask_test_v2/ only."
    truth = msmt17_fixture(tmp_path / 'MSMT17_V2', version='V2')
    assert sorted(p.name for p in (tmp_path / 'MSMT17_V2').iterdir() if p.is_dir()) == ['mask_test_v2', 'mask_train_v2']
    df = _no_warnings(read_msmt17, tmp_path / 'MSMT17_V2')
    pd.testing.assert_frame_equal(df, truth)
    assert df.attrs['msmt17_version'] == 'V2'
    assert df.path[df.split == 'train'].str.contains('/MSMT17_V2/mask_train_v2/').all()
    assert df.path[df.split != 'train'].str.contains('/MSMT17_V2/mask_test_v2/').all()
    msmt17_fixture(tmp_path / 'MSMT17_V1', version='V1')
    v1 = read_msmt17(tmp_path / 'MSMT17_V1')  # the same people, cameras and splits as V1
    pd.testing.assert_frame_equal(v1.drop(columns='path'), df.drop(columns='path'))
    merged = read_msmt17(tmp_path / 'MSMT17_V2', val='merge')
    pd.testing.assert_frame_equal(merged, msmt17_fixture(tmp_path / 'MSMT17_V2', version='V2', val='merge'))

def test_msmt17_image_folders(tmp_path):
    msmt17_fixture(tmp_path, version='V2')
    shutil.rmtree(tmp_path / 'mask_test_v2')
    with pytest.raises(ReIDDataError, match=r"mask_test_v2: missing folder; expected MSMT17_V2's query and gallery images"):
        read_msmt17(tmp_path)
    shutil.rmtree(tmp_path / 'mask_train_v2')
    with pytest.raises(ReIDDataError, match=r'no image folders; expected train/ and test/ \(MSMT17_V1\) or '
                                            r'mask_train_v2/ and mask_test_v2/ \(MSMT17_V2\)'):
        read_msmt17(tmp_path)
    msmt17_fixture(tmp_path, version='V1'); msmt17_fixture(tmp_path, version='V2')
    with pytest.raises(ReIDDataError, match=f'{tmp_path}: image folders of both versions'): read_msmt17(tmp_path)

def test_msmt17_bad_input(tmp_path):
    msmt17_fixture(tmp_path)
    lst = tmp_path / 'list_query.txt'
    good = lst.read_text()
    lst.write_text(good + 'oops.jpg 3\n0001/0001_001_02_x_0001_0.jpg\n')
    with pytest.raises(ReIDDataError) as e: read_msmt17(tmp_path)
    assert str(lst) in str(e.value) and "line 4: 'oops.jpg 3'" in str(e.value) and '2 lines do not match' in str(e.value)
    lst.write_text(good + '0001/0001_099_02_0303noon_0001_0.jpg 1\n')
    with pytest.raises(ReIDDataError, match=r'1 listed images are missing: .*test/0001/0001_099_02_0303noon_0001_0.jpg'): read_msmt17(tmp_path)
    lst.write_text(good + '0001/0001_099_16_0303noon_0001_0.jpg 1\n')
    shutil.copy(tmp_path / 'test' / good.split()[0], tmp_path / 'test/0001/0001_099_16_0303noon_0001_0.jpg')
    with pytest.raises(ReIDDataError, match='camera ids 16 out of range; msmt17 has cameras 1..15'): read_msmt17(tmp_path)
    lst.write_text('')
    with pytest.raises(ReIDDataError, match=f'{lst}: no query images'): read_msmt17(tmp_path)
    (tmp_path / 'list_val.txt').unlink()
    with pytest.raises(ReIDDataError, match="list_val.txt: missing; expected lines like"): read_msmt17(tmp_path)

# ---------------------------------------------------------------- images
def test_load_image(tmp_path):
    truth = market1501_fixture(tmp_path)
    im = load_image(truth.path[0])
    assert im.size == (8, 16) and im.mode == 'RGB'
    src = Path(truth.path[0]).read_bytes()
    (tmp_path / 'cut.jpg').write_bytes(src[:len(src) // 2])
    (tmp_path / 'text.jpg').write_text('not an image')
    for name in ('cut.jpg', 'text.jpg'):
        with pytest.raises(ReIDDataError, match=f'{tmp_path / name}: unreadable or corrupt image'): load_image(tmp_path / name)
    with pytest.raises(ReIDDataError, match='missing.jpg: image file missing'): load_image(tmp_path / 'missing.jpg')
    assert load_image(truth.path[0], mode='L').mode == 'L'

# ---------------------------------------------------------------- get_dataset and published counts
def test_get_dataset_dispatch(tmp_path, monkeypatch):
    truths = dict(market1501=market1501_fixture(tmp_path / 'market1501'), dukemtmc=dukemtmc_fixture(tmp_path / 'dukemtmc'),
                  msmt17=msmt17_fixture(tmp_path / 'msmt17'), **{f'cuhk03-{v}': t for v, t in cuhk03_fixture(tmp_path / 'cuhk03').items()})
    for name, truth in truths.items():
        root = tmp_path / ('cuhk03' if name.startswith('cuhk03') else name)
        pd.testing.assert_frame_equal(_no_warnings(get_dataset, name, root), truth)
    monkeypatch.setenv('READNET_CACHE', str(tmp_path))  # root=None: $READNET_CACHE/<name>
    pd.testing.assert_frame_equal(get_dataset('market1501'), truths['market1501'])
    pd.testing.assert_frame_equal(get_dataset('cuhk03-detected'), truths['cuhk03-detected'])  # from $READNET_CACHE/cuhk03
    with pytest.raises(ValueError, match="unknown dataset 'cuhk03'; expected one of"): get_dataset('cuhk03')
    with pytest.raises(TypeError, match=r"takes no extra arguments; got \['seed'\]"): get_dataset('dukemtmc', seed=1)

def test_published_counts(tmp_path, monkeypatch):
    market1501_fixture(tmp_path)
    df = read_market1501(tmp_path)
    assert dataset_counts(df) == dict(train=8, query=3, gallery=6, train_ids=3, query_ids=2)
    assert _no_warnings(check_published_counts, df) == []  # 17 images: not the full set, nothing compared
    monkeypatch.setitem(PUBLISHED_COUNTS, 'market1501', dict(train=8, query=3, gallery=6, train_ids=3, query_ids=2))
    assert _no_warnings(get_dataset, 'market1501', tmp_path).shape == (17, 4)
    monkeypatch.setitem(PUBLISHED_COUNTS, 'market1501', dict(train=9, query=3, gallery=6, train_ids=3, query_ids=1))
    with pytest.warns(UserWarning) as rec: get_dataset('market1501', tmp_path)
    assert [str(w.message) for w in rec] == ['market1501: train 8 here, 9 published', 'market1501: query ids 2 here, 1 published']
    _no_warnings(get_dataset, 'market1501', tmp_path, check_counts=False)
    monkeypatch.setitem(PUBLISHED_COUNTS, 'market1501', dict(train=40, query=3, gallery=6, train_ids=3, query_ids=2))
    assert _no_warnings(check_published_counts, df) == []  # 17 < half of 49
    with pytest.warns(UserWarning, match='train 8 here, 40 published'):
        assert check_published_counts(df, min_fraction=0.3) == ['market1501: train 8 here, 40 published']

def test_published_numbers_match_paper():
    "PAPER.md Table 1 / §4.1: Market gallery 19,732 files minus 3,819 junk; totals match the box counts."
    p = PUBLISHED_COUNTS
    assert p['market1501']['gallery'] == 19732 - 3819
    assert sum(p['market1501'][s] for s in ('train', 'query')) + 19732 == 36036  # 32,668 boxes + 3,368 queries
    assert p['market1501']['train_ids'] + p['market1501']['query_ids'] == 1501
    assert p['cuhk03-labeled']['train_ids'] + p['cuhk03-labeled']['query_ids'] == 1467

def test_get_dataset_synthetic_stub(tmp_path, monkeypatch):
    "The synthetic branch with a stand-in generator: folder named by the filled-in parameters, read as Market."
    calls = []
    def fake(root, n_train_ids=200, n_test_ids=200, n_cams=6, seed=0, n_junk=None, overwrite=False):
        calls.append(Path(root))
        if not Path(root).exists(): market1501_fixture(root)
        return Path(root)
    monkeypatch.setitem(sys.modules, 'readnet.data.synth', types.SimpleNamespace(make_synthetic_reid=fake, MARKER='marker.json'))
    monkeypatch.setenv('READNET_CACHE', str(tmp_path / 'cache'))
    a = get_dataset('synthetic')
    b = get_dataset('synthetic', seed=0, n_cams=6)
    c = get_dataset('synthetic', tmp_path / 'elsewhere', seed=1, n_cams=7)
    assert calls[0] == calls[1] == tmp_path / 'cache' / 'synthetic-n_train_ids=200-n_test_ids=200-n_cams=6-seed=0'
    assert calls[2] == tmp_path / 'elsewhere' / 'synthetic-n_train_ids=200-n_test_ids=200-n_cams=7-seed=1'
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs == {'name': 'synthetic', 'n_cams': 6, 'root': str(calls[0])} and c.attrs['n_cams'] == 7
    with pytest.raises(TypeError): get_dataset('synthetic', colour='red')

def test_get_dataset_synthetic_real(tmp_path):
    synth = pytest.importorskip('readnet.data.synth')
    if not hasattr(synth, 'make_synthetic_reid'): pytest.skip('readnet.data.synth.make_synthetic_reid not written yet')
    df = _no_warnings(get_dataset, 'synthetic', tmp_path, n_train_ids=6, n_test_ids=6, n_cams=3, seed=1)
    assert df.attrs['name'] == 'synthetic' and df.attrs['n_cams'] == 3 and set(df.split) == {'train', 'query', 'gallery'}
    assert df.pid[df.split == 'train'].nunique() == 6 and set(df.camid) <= {0, 1, 2}
    assert not set(df.pid[df.split == 'train']) & set(df.pid[df.split != 'train'])
    (folder,) = [p for p in tmp_path.iterdir()]
    assert df.attrs['root'] == str(folder)
    pd.testing.assert_frame_equal(get_dataset('synthetic', tmp_path, n_train_ids=6, n_test_ids=6, n_cams=3, seed=1), df)
    assert [p for p in tmp_path.iterdir()] == [folder]
    # the finished set as the root (what `readnet synth --out DIR` makes): read as it is, nothing generated inside it
    inside = sorted(p.name for p in folder.iterdir())
    pd.testing.assert_frame_equal(get_dataset('synthetic', folder), df)
    pd.testing.assert_frame_equal(get_dataset('synthetic', folder, n_train_ids=6, n_cams=3), df)
    assert sorted(p.name for p in folder.iterdir()) == inside
    with pytest.raises(ReIDDataError, match=r"holds a synthetic dataset made with \{'n_cams': 3\}, not \{'n_cams': 4\}"):
        get_dataset('synthetic', folder, n_cams=4)
