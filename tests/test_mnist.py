"Figure 1 pipeline (readnet.mnist): a bad `mnist_path` fails clearly; a tiny run writes every output."
import json
import numpy as np
import pytest
from readnet.core import ReIDDataError
from readnet.mnist import figure1, write_idx, read_idx, write_fake_mnist

def _fake_mnist(folder, gz=True):
    "A small MNIST (96 training, 40 test digits) in torchvision's MNIST/raw layout under `folder`."
    write_fake_mnist(folder / 'MNIST' / 'raw', n_train=96, n_test=40, gz=gz)
    return folder

def test_bad_path_names_the_cause(tmp_path):
    with pytest.raises(ReIDDataError, match='is not a folder'): figure1(tmp_path / 'out', mnist_path=tmp_path / 'absent')
    (tmp_path / 'empty').mkdir()
    with pytest.raises(ReIDDataError, match=r"missing train-images-idx3-ubyte, train-labels-idx1-ubyte"):
        figure1(tmp_path / 'out', mnist_path=tmp_path / 'empty')
    _fake_mnist(tmp_path / 'broken', gz=False)
    (tmp_path / 'broken' / 'MNIST' / 'raw' / 't10k-labels-idx1-ubyte').write_bytes(b'<html>404</html>')
    with pytest.raises(ReIDDataError, match=r't10k-labels-idx1-ubyte: not an idx file'):
        figure1(tmp_path / 'out', mnist_path=tmp_path / 'broken')
    assert not (tmp_path / 'out').exists()  # nothing written before the data is known good

def test_mismatched_counts(tmp_path):
    _fake_mnist(tmp_path / 'm', gz=False)
    write_idx(tmp_path / 'm' / 'MNIST' / 'raw' / 'train-labels-idx1-ubyte', np.zeros(5, np.uint8))
    with pytest.raises(ReIDDataError, match=r'expected images \[N, 28, 28\] and N labels'):
        figure1(tmp_path / 'out', mnist_path=tmp_path / 'm')

def test_tiny_figure1_writes_everything(tmp_path):
    out = tmp_path / 'fig'
    res = figure1(out, mnist_path=_fake_mnist(tmp_path / 'data'), epochs=1, seed=3, bs=48, verbose=False)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(['figure1_features.png', 'figure1_angles.png', 'figure1_features.npz', 'figure1.json'])
    for png in ('figure1_features.png', 'figure1_angles.png'): assert (out / png).read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    saved = json.loads((out / 'figure1.json').read_text())
    assert saved['atl_beats_ori'] == res['atl_beats_ori']
    assert saved['config']['seed'] == 3 and saved['config']['dim'] == 2 and saved['config']['epochs'] == 1
    for key, loss, margin in (('ori', 'TripletLoss', 0.8), ('atl', 'AngularTripletLoss', 0.4)):
        run = saved[key]
        assert (run['loss'], run['margin'], run['n_train'], run['n_test']) == (loss, margin, 96, 40)
        for m in ('cosine_knn_acc', 'euclidean_knn_acc', 'ncm_euclidean_acc', 'ncm_angular_acc'): assert 0 <= run[m] <= 1
        assert run['mean_norm'] > 0 and run['angular_separation'] > 0
    feats = np.load(out / 'figure1_features.npz')
    assert feats['ori_test'].shape == (40, 2) and feats["atl_train"].shape == (96, 2)
    assert (feats['atl_test_labels'] == read_idx(tmp_path / 'data' / 'MNIST' / 'raw' / 't10k-labels-idx1-ubyte.gz')).all()
    assert not np.allclose(feats['ori_test'], feats['atl_test'])  # two different losses trained two different models
