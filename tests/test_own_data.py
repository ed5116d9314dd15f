"Issue #29: one's own crops (--data folder / csv), with and without cameras; --log tensorboard; readnet eval --metric/--flip."
import json, re, warnings
from pathlib import Path
import pytest
from conftest import run_main, TINY_TRAIN

# TINY_TRAIN without its --data: 8 identities, P 4 x K 2, 64x32, ResNet-18; 1 epoch in float32 (bf16 BatchNorm NaNs at these sizes on AMX CPUs)
SMALL = [*TINY_TRAIN[2:], '--epochs', '1', '--bf16', 'off']

@pytest.fixture(scope='module')
def copies(tiny_synth, tmp_path_factory):
    "The tiny Market-layout set as a folder tree and a CSV, with cameras, and both again without them."
    from readnet.data.readers import read_market1501
    from readnet.data.folder import write_folder_layout, write_csv_table
    tmp = tmp_path_factory.mktemp('own')
    df = read_market1501(tiny_synth, n_cams=3)
    folder = write_folder_layout(df, tmp / 'folder')
    table = write_csv_table(df, tmp / 'table.csv')
    nocam_folder = write_folder_layout(df, tmp / 'nocam')
    for p in nocam_folder.rglob('*.jpg'): p.rename(p.with_name(re.sub(r'_c\d+s', '_s', p.name)))
    nocam_table = write_csv_table(df, tmp / 'nocam.csv', cameras=False)
    return dict(market=tiny_synth, folder=folder, csv=table, nocam_folder=nocam_folder, nocam_csv=nocam_table, table=df)

@pytest.fixture(scope='module')
def market_run(tiny_synth, tmp_path_factory):
    "A model trained on the Market-layout set, logged to TensorBoard."
    out = tmp_path_factory.mktemp('runs') / 'market'
    r = run_main('train', '--data', 'synthetic', '--root', tiny_synth, *SMALL, '--out', out, '--log', 'tensorboard')
    assert r.returncode == 0, r.stderr
    return out

def test_market_model_evaluates_the_same_on_all_three_copies(market_run, copies):
    maps = {}
    for data, root in (('synthetic', copies['market']), ('folder', copies['folder']), ('csv', copies['csv'])):
        r = run_main('eval', '--run', market_run, '--data', data, '--root', root)
        assert r.returncode == 0, r.stderr
        maps[data] = json.loads((market_run / 'eval.json').read_text())['mAP']
    print('mAP of the Market-trained model on the three copies:', maps)
    final = json.loads((market_run / 'final.json').read_text())
    assert maps['synthetic'] == pytest.approx(final['mAP'], abs=1e-6)
    assert maps['folder'] == pytest.approx(maps['synthetic'], abs=1e-6)
    assert maps['csv'] == pytest.approx(maps['synthetic'], abs=1e-6)

def test_tensorboard_event_file_holds_the_run_scalars(market_run):
    from readnet.training.loggers import tensorboard_scalars
    s = tensorboard_scalars(market_run / 'tensorboard')
    final = json.loads((market_run / 'final.json').read_text())
    print('TensorBoard scalars:', {k: [round(v, 4) for _, v in vs] for k, vs in sorted(s.items())})
    assert s['final/mAP'][-1][1] == pytest.approx(final['mAP'], abs=1e-6)
    assert s['final/camera_probe_acc'][-1][1] == pytest.approx(final['camera_probe_acc'], abs=1e-6)
    assert len(s['train_loss']) == len(s['lr_0']) >= 2  # one per batch
    lines = [l.split(',') for l in (market_run / 'metrics.csv').read_text().splitlines()]
    row = dict(zip(lines[0], map(float, lines[-1])))
    for col in set(row) - {'epoch', 'train_loss'}:  # ATL's parts (emb, reg, active, gap), mAP and ranks: as in metrics.csv
        assert s[col][-1][1] == pytest.approx(row[col], rel=1e-4, abs=1e-6), col

def test_eval_chooses_metric_and_flip(market_run):
    r = run_main('eval', '--run', market_run, '--metric', 'cosine', '--flip')
    assert r.returncode == 0, r.stderr
    e = json.loads((market_run / 'eval.json').read_text())
    assert (e['metric'], e['flip']) == ('cosine', True)
    r = run_main('eval', '--run', market_run, '--metric', 'angular')
    assert r.returncode == 2 and "invalid choice: 'angular'" in r.stderr

@pytest.mark.parametrize('kind', ['folder', 'csv'])
def test_own_copies_train_and_show_in_readnet_data(copies, tmp_path, kind):
    "Both copies: `readnet data --check`, then training (the folder with the camera adversary, logged to TensorBoard)."
    r = run_main('data', '--data', kind, '--root', copies[kind], '--out', tmp_path / 'data', '--check')
    assert r.returncode == 0, r.stderr
    assert (tmp_path / 'data' / 'samples.png').stat().st_size > 0 and 'checked' in r.stdout
    n_train = (copies['table'].split == 'train').sum()
    assert re.search(rf'train\s+8\s+{n_train}\s+3', r.stdout), r.stdout  # 8 ids, the images, 3 cameras
    extra = ['--adversary', '--log', 'tensorboard'] if kind == 'folder' else []
    r = run_main('train', '--data', kind, '--root', copies[kind], *SMALL, '--out', tmp_path / 'run', *extra)
    assert r.returncode == 0, r.stderr
    final = json.loads((tmp_path / 'run' / 'final.json').read_text())
    print(kind, 'trained:', {k: final[k] for k in ('mAP', 'rank1', 'camera_probe_acc')})
    assert final['data'] == kind and 0 < final['mAP'] <= 1 and 'camera_probe_acc' in final
    if kind == 'folder':
        from readnet.training.loggers import tensorboard_scalars
        s = tensorboard_scalars(tmp_path / 'run' / 'tensorboard')
        assert {'cam_acc', 'cam_loss'} <= set(s), sorted(s)  # the discriminator's accuracy and loss, per epoch

def test_without_cameras_training_works_and_the_camera_parts_say_why(copies, tmp_path):
    root = copies['nocam_csv']
    for extra, what in ((['--adversary'], '--adversary'), (['--erase'], '--erase'), (['--erase', '--adversary'], '--adversary')):
        r = run_main('train', '--data', 'csv', '--root', root, *SMALL, '--out', tmp_path / 'refused', *extra)
        print(r.stderr.strip().splitlines()[-1])
        assert r.returncode == 2
        assert r.stderr.strip().splitlines()[-1] == (
            f"readnet train: error: {what} needs camera ids, and {root.resolve()} has none (no c<N> token in the file "
            "names, no cams.csv or camid column); train without it, or give every image its camera")
        assert not (tmp_path / 'refused').exists()  # refused before anything is written
    r = run_main('train', '--data', 'folder', '--root', copies['nocam_folder'], *SMALL, '--out', tmp_path / 'run')
    assert r.returncode == 0, r.stderr
    final = json.loads((tmp_path / 'run' / 'final.json').read_text())
    print('no cameras:', {k: final[k] for k in ('mAP', 'rank1', 'camera_probe')})
    assert final['camera_probe'] == 'skipped: the dataset has no camera ids' and 'camera_probe_acc' not in final
    assert 'camera probe skipped: the dataset has no camera ids' in r.stdout

def test_no_camera_evaluation_counts_every_other_image_of_the_identity(market_run, copies):
    "Without cameras the gallery images from the query's own camera count too: never fewer matches, so rank-1 >= with cameras."
    with_cams = run_main('eval', '--run', market_run, '--data', 'csv', '--root', copies['csv'])
    e_cams = json.loads((market_run / 'eval.json').read_text())
    without = run_main('eval', '--run', market_run, '--data', 'csv', '--root', copies['nocam_csv'])
    e_none = json.loads((market_run / 'eval.json').read_text())
    assert with_cams.returncode == without.returncode == 0
    assert e_none['rank1'] >= e_cams['rank1'] and e_none['rank10'] >= e_cams['rank10']
    assert e_none != e_cams and e_none['camera_probe'].startswith('skipped')

@pytest.mark.parametrize('rows,header,message', [
    ([('a.jpg',)], 'path', "missing column 'pid'"),
    ([('a.jpg', 1), ('b.jpg', 1), ('nowhere.jpg', 2)], 'path,pid', 'line 4, field path: nowhere.jpg not found'),
    ([('a.jpg', 1), ('b.jpg', 'two')], 'path,pid', "line 3, field pid: 'two' is not an integer"),
    ([('a.jpg', 1), ('b.jpg', 1), ('c.jpg', 2)], 'path,pid', 'line 4, field pid: identity 2 has 1 training image'),
    ([('a.jpg', 1, 0), ('b.jpg', 1, '')], 'path,pid,camid', 'line 3, field camid: empty'),
])
def test_bad_tables_name_line_and_field(tmp_path, rows, header, message):
    from PIL import Image
    for n in 'abc': Image.new('RGB', (4, 8)).save(tmp_path / f'{n}.jpg')
    f = tmp_path / 'mine.csv'
    f.write_text(header + '\n' + ''.join(','.join(map(str, r)) + '\n' for r in rows))
    r = run_main('data', '--data', 'csv', '--root', f, '--out', tmp_path / 'out')
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('readnet data: error: ') and message in lines[0], r.stderr
    assert not (tmp_path / 'out').exists()

def test_val_ids_without_cameras_holds_out_one_query_per_identity(copies):
    from readnet.training.config import TrainConfig
    from readnet.training.run import load_table
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        df = load_table(TrainConfig.resolve(data='csv', root=str(copies['nocam_csv']), val_ids=0.5))
    q, g = df[df.split == 'query'], df[df.split == 'gallery']
    assert df.attrs['eval_split'] == 'validation' and len(q) == q.pid.nunique() == 4 and set(g.pid) == set(q.pid)

def test_log_wandb_without_the_package_says_so_in_one_line(tiny_synth, tmp_path):
    try:
        import wandb  # noqa: F401
        pytest.skip('wandb is installed')
    except ImportError: pass
    r = run_main('train', '--data', 'synthetic', '--root', tiny_synth, *SMALL, '--out', tmp_path / 'run', '--log', 'wandb')
    assert r.returncode == 2 and r.stderr.strip().splitlines() == [
        "readnet train: error: --log wandb needs the wandb package, which is not installed (pip install wandb); "
        "--log tensorboard needs nothing more"]
    assert not (tmp_path / 'run').exists()

def test_export_index_search_with_a_model_trained_on_the_folder(copies, tmp_path):
    "export takes the run as any run; index and search read one's own folder as any folder of images (recursively)."
    r = run_main('train', '--data', 'folder', '--root', copies['folder'], *SMALL, '--out', tmp_path / 'run')
    assert r.returncode == 0, r.stderr
    r = run_main('export', '--run', tmp_path / 'run', '--out', tmp_path / 'model', '--formats', 'onnx', '--check-batch', '2')
    assert r.returncode == 0 and (tmp_path / 'model.onnx').exists(), r.stderr
    r = run_main('index', '--images', copies['folder'] / 'gallery', '--out', tmp_path / 'index', '--model', tmp_path / 'model.onnx')
    assert r.returncode == 0, r.stderr
    n_gallery = (copies['table'].split == 'gallery').sum()
    assert f"indexed {n_gallery} images" in r.stdout
    r = run_main('search', '--index', tmp_path / 'index', '--query', copies['folder'] / 'query', '--top', '3',
                 '--out', tmp_path / 'found')
    assert r.returncode == 0, r.stderr
    rows = (tmp_path / 'found.csv').read_text().splitlines()
    assert len(rows) == 1 + 3 * (copies['table'].split == 'query').sum()
