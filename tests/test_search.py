"Export, index and search (issue 17): same features and order as the evaluation, round trips, resumable builds, errors."
import json, shutil
from pathlib import Path
import numpy as np, pandas as pd, pytest, torch
from readnet.core import ReIDDataError
from readnet.model.network import ReIDModel

@pytest.fixture(scope='module')
def run(tmp_path_factory):
    "A run directory as `readnet train` leaves it (config.json + model.pth), with a randomly initialised ResNet-18."
    folder = tmp_path_factory.mktemp('run')
    torch.manual_seed(0)
    torch.save(ReIDModel('resnet18', head='bnneck').state_dict(), folder / 'model.pth')
    (folder / 'config.json').write_text(json.dumps(dict(arch='resnet18', head='bnneck', size=[64, 32], data='synthetic', root=None)))
    return folder

@pytest.fixture(scope='module')
def table(tiny_synth):
    from readnet.data.readers import read_market1501
    return read_market1501(tiny_synth, n_cams=3, name='synthetic')

@pytest.fixture(scope='module')
def exported(run, tmp_path_factory):
    from readnet.search.export import export_model
    return export_model(run, tmp_path_factory.mktemp('export') / 'extractor')

@pytest.fixture(scope='module')
def index(run, tiny_synth, tmp_path_factory):
    from readnet.search.index import build_index
    out = tmp_path_factory.mktemp('index') / 'gallery'
    build_index(Path(tiny_synth) / 'bounding_box_test', out, run, chunk=32, batch=16, progress=False)
    return out

def test_features_are_the_evaluation_pipelines(run, table):
    "`Extractor.extract` on files = `extract_features` on the DataBlock loaders that training and evaluation use."
    from readnet.search.export import load_extractor
    from readnet.evaluation.metrics import extract_features
    from readnet.data.sampler import pk_dataloaders
    dls = pk_dataloaders(table, P=4, K=2, size=(64, 32), bs_eval=32, device='cpu')
    model = ReIDModel('resnet18', head='bnneck').load_weights(run / 'model.pth')
    expected, _, _ = extract_features(model, dls.gallery)
    got, errors = load_extractor(run).extract(table[table.split == 'gallery'].path, batch=16)
    assert errors == [''] * len(got)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-5)

def test_export_round_trip_within_tolerance(run, exported, table):
    import onnx
    from readnet.search.export import load_extractor
    assert sorted(exported['files']) == ['onnx', 'pt2'] and all(d <= 1e-4 for d in exported['max_abs_diff'].values())
    meta = json.loads({p.key: p.value for p in onnx.load(exported['files']['onnx']).metadata_props}['readnet'])
    assert meta['size'] == [64, 32] and meta['metric'] == 'euclidean' and meta['feat_dim'] == 512
    assert meta['mean'] == pytest.approx([0.485, 0.456, 0.406]) and meta['std'] == pytest.approx([0.229, 0.224, 0.225])
    paths = table[table.split == 'query'].path.tolist()
    reference = load_extractor(run).extract(paths)[0]
    for fmt, file in exported['files'].items():
        ext = load_extractor(file)
        assert ext.meta == meta and ext.kind == fmt
        assert (ext.extract(paths)[0] - reference).abs().max() <= 1e-4

def test_export_errors_are_one_line(run, tmp_path):
    from readnet.search.export import export_model, load_extractor
    for call, words in [(lambda: export_model(run, tmp_path / 'm', formats='torchscript'), 'expected a comma-separated list of pt2, onnx'),
                        (lambda: export_model(tmp_path, tmp_path / 'm'), 'no config.json there'),
                        (lambda: load_extractor(tmp_path / 'absent.pt2'), 'no such file'),
                        (lambda: load_extractor(run / 'config.json'), 'expected a run directory, a .pt2 or an .onnx file')]:
        with pytest.raises(ValueError, match=words) as err: call()
        assert '\n' not in str(err.value)
    assert not list(tmp_path.iterdir())  # nothing half-written

def test_exact_search_is_the_evaluation_order(index, table):
    "The exact index ranks every query's whole gallery as a stable sort of `evaluation.distance_matrix`, with and without its camera."
    from readnet.evaluation.metrics import distance_matrix
    from readnet.search.index import GalleryIndex
    from readnet.search.query import search
    gi = GalleryIndex.load(index)
    queries = table[table.split == 'query'].path.tolist()
    qf, gf = gi.extractor.extract(queries)[0], gi.extractor.extract(gi.items.path)[0]
    dist = distance_matrix(qf, gf)
    top = len(gi)
    results = search(gi, queries, top=top)
    assert results.path.to_numpy().reshape(len(queries), top).tolist() == gi.items.path.to_numpy()[np.argsort(dist, 1, kind='stable')].tolist()
    np.testing.assert_allclose(results.distance.to_numpy().reshape(len(queries), top), np.sort(dist, 1), atol=1e-4)
    q_cams, g_cams = table[table.split == 'query'].camid.to_numpy(), gi.items.camid.to_numpy(np.int64)
    masked = np.where(q_cams[:, None] == g_cams[None], np.inf, dist)
    expected = np.argsort(masked, 1, kind='stable')[:, :10]
    results = search(gi, queries, top=10, exclude_same_camera=True)
    assert results.path.to_numpy().reshape(len(queries), 10).tolist() == gi.items.path.to_numpy()[expected].tolist()
    assert (results.camid != results.query_camid).all()

def test_index_from_exported_model_matches_the_run(index, exported, tiny_synth, tmp_path):
    from readnet.search.index import GalleryIndex, build_index
    build_index(Path(tiny_synth) / 'bounding_box_test', tmp_path / 'onnx', exported['files']['onnx'], progress=False)
    a, b = GalleryIndex.load(index), GalleryIndex.load(tmp_path / 'onnx')
    assert a.items.path.tolist() == b.items.path.tolist() and b.meta['extractor'] == 'extractor.onnx'
    assert (a.vectors - b.vectors).abs().max() <= 1e-4

def test_corrupt_images_are_skipped_and_listed(run, tiny_synth, tmp_path):
    from readnet.search.index import GalleryIndex, build_index
    folder = tmp_path / 'images'
    names = sorted(p.name for p in (Path(tiny_synth) / 'query').iterdir())[:5]
    folder.mkdir()
    for n in names: shutil.copy(Path(tiny_synth) / 'query' / n, folder / n)
    (folder / 'truncated.jpg').write_bytes((folder / names[0]).read_bytes()[:100])
    (folder / 'text.png').write_text('hello')
    meta = build_index(folder, tmp_path / 'index', run, progress=False)
    skipped = pd.read_csv(tmp_path / 'index' / 'skipped.csv')
    assert (meta['n'], meta['n_skipped']) == (5, 2)
    assert sorted(Path(p).name for p in skipped.path) == ['text.png', 'truncated.jpg']
    assert all(Path(p).name in e for p, e in zip(skipped.path, skipped.error))
    assert [Path(p).name for p in GalleryIndex.load(tmp_path / 'index').items.path] == names

def test_bad_folders_are_one_line_errors(run, tmp_path):
    from readnet.search.index import build_index
    (tmp_path / 'empty').mkdir(); (tmp_path / 'other').mkdir(); (tmp_path / 'other' / 'notes.txt').write_text('mine')
    for call, err, words in [(lambda: build_index(tmp_path / 'empty', tmp_path / 'i', run), ReIDDataError, 'no images in it'),
                             (lambda: build_index(tmp_path / 'absent', tmp_path / 'i', run), ReIDDataError, 'not a folder'),
                             (lambda: build_index(tmp_path / 'empty', tmp_path / 'other', run), ValueError, 'is not a readnet index')]:
        with pytest.raises(err, match=words) as e: call()
        assert '\n' not in str(e.value)
    assert (tmp_path / 'other' / 'notes.txt').read_text() == 'mine' and not (tmp_path / 'i').exists()

def test_interrupted_build_resumes_where_it_stopped(run, index, tiny_synth, tmp_path, monkeypatch):
    import readnet.search.index as ri
    real, saved = ri._save_chunk, []
    def stop_after_two(path, *args):
        if len(saved) == 2: raise KeyboardInterrupt
        saved.append(path.name); real(path, *args)
    monkeypatch.setattr(ri, '_save_chunk', stop_after_two)
    gallery, out = Path(tiny_synth) / 'bounding_box_test', tmp_path / 'resumed'
    with pytest.raises(KeyboardInterrupt): ri.build_index(gallery, out, run, chunk=16, batch=8, progress=False)
    assert not out.exists() and sorted(p.name for p in (tmp_path / 'resumed.partial' / 'chunks').iterdir()) == saved
    resumed = []
    monkeypatch.setattr(ri, '_save_chunk', lambda path, *args: (resumed.append(path.name), real(path, *args)))
    ri.build_index(gallery, out, run, chunk=16, batch=8, progress=False)
    n_chunks = -(-len(ri.list_images(gallery)) // 16)
    assert resumed == [f'{c:06d}.npz' for c in range(2, n_chunks)]  # only the missing chunks
    assert not (tmp_path / 'resumed.partial').exists()
    a, b = ri.GalleryIndex.load(index), ri.GalleryIndex.load(out)
    assert torch.equal(a.vectors, b.vectors) and a.items.path.tolist() == b.items.path.tolist()

def test_approximate_index_recall_and_camera_exclusion():
    "IVF-PQ + exact re-ranking finds >= 95% of the exact top-10 on clustered features; exclusions hold there too."
    from readnet.search.index import GalleryIndex, parse_names
    from readnet.search.query import search_features
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((100, 128)).astype(np.float32)
    gf = centres[rng.integers(0, 100, 6000)] + 0.5 * rng.standard_normal((6000, 128)).astype(np.float32)
    qf = centres[rng.integers(0, 100, 100)] + 0.5 * rng.standard_normal((100, 128)).astype(np.float32)
    cams = rng.integers(0, 4, 6000)
    items = pd.concat([pd.DataFrame(dict(path=[f'{i:04d}_c{c + 1}s1_000001_01.jpg' for i, c in enumerate(cams)])),
                       parse_names([f'{i:04d}_c{c + 1}s1_000001_01.jpg' for i, c in enumerate(cams)])], axis=1)
    exact, approx = GalleryIndex.from_features(gf, items=items), GalleryIndex.from_features(gf, approx=True, items=items)
    truth = search_features(exact, qf)[1]
    found = search_features(approx, qf)[1]
    assert np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth)]) >= 0.95
    q_cams = rng.integers(0, 4, 100)
    D, ids = search_features(approx, qf, q_cams=q_cams)
    assert (ids >= 0).all() and (cams[ids] != q_cams[:, None]).all() and (np.diff(D, axis=1) >= 0).all()

def test_approximate_build_reranks_from_disk(run, index, table, tiny_synth, tmp_path):
    "A small gallery fits in one IVF cell and rerank x top candidates cover it: the approximate order is then the exact one."
    from readnet.search.index import GalleryIndex, build_index
    from readnet.search.query import search
    meta = build_index(Path(tiny_synth) / 'bounding_box_test', tmp_path / 'approx', run, approx=True, progress=False)
    assert meta['kind'] == 'approx' and (tmp_path / 'approx' / 'features.npy').is_file()
    approx, exact = GalleryIndex.load(tmp_path / 'approx'), GalleryIndex.load(index)
    assert isinstance(approx.features, np.memmap) and meta['approx']['nlist'] == 1 and 10 * meta['approx']['rerank'] >= len(approx)
    np.testing.assert_array_equal(approx.features, exact.vectors.numpy())
    queries = table[table.split == 'query'].path.tolist()
    a, b = search(approx, queries, top=10, exclude_same_camera=True), search(exact, queries, top=10, exclude_same_camera=True)
    assert a.path.tolist() == b.path.tolist()
    np.testing.assert_allclose(a.distance, b.distance, atol=1e-4)

def test_cli_functions_write_what_they_say(run, index, table, tmp_path, capsys):
    from readnet.search.export import export_cli
    from readnet.search.index import index_cli
    from readnet.search.query import search_cli
    assert export_cli(str(run), str(tmp_path / 'model'), 'pt2') == 0
    assert (tmp_path / 'model.pt2').is_file() and 'max abs difference vs torch' in capsys.readouterr().out
    queries = table[table.split == 'query'].path.tolist()[:3]
    assert search_cli(str(index), queries, top=4, exclude_same_camera=True, out=str(tmp_path / 'found')) == 0
    printed = capsys.readouterr().out
    assert all(f'query {q}' in printed for q in queries) and f"wrote {tmp_path / 'found.csv'} and {tmp_path / 'found.png'}" in printed
    csv = pd.read_csv(tmp_path / 'found.csv')
    assert len(csv) == 12 and csv['rank'].tolist() == [1, 2, 3, 4] * 3 and (csv.camid != csv.query_camid).all()
    assert (tmp_path / 'found.png').read_bytes()[:4] == b'\x89PNG'
    with pytest.raises(ValueError, match='give exactly one of --run RUN or --model FILE'): index_cli(str(tmp_path), str(tmp_path / 'i'))
    with pytest.raises(ValueError, match='cannot be read from its name'):
        search_cli(str(index), [str(tmp_path / 'found.png')], exclude_same_camera=True, out=str(tmp_path / 'x'))
    with pytest.raises(ReIDDataError, match='no such file or folder'): search_cli(str(index), [str(tmp_path / 'nope.jpg')])
