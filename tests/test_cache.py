"""The decoded image cache end to end: PIL and cached loaders give the same training run, two ranks share one cache,
a bad image stops the build with its name and leaves nothing behind, a changed file rebuilds its split; GPU checks skip."""
import json, os, pickle, subprocess, sys, textwrap, warnings
from types import SimpleNamespace
from pathlib import Path
from unittest import mock
import numpy as np
import pytest
import torch
from readnet.data.cache import CachedDL, ImageCache
from readnet.core import ReIDDataError, set_seed
from readnet.data.sampler import pk_dataloaders
from readnet.test_utils import tiny_reid_table

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA GPU')

@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    "The tiny table (32×16 JPEGs) and a folder for its caches."
    root = tmp_path_factory.mktemp('tiny')
    return tiny_reid_table(root/'data'), root/'decoded'

def _train(dls, epochs=2):
    "Recorder values of a short seeded ATL run of ResNet-18 on `dls`."
    from readnet.training.learner import readnet_learner
    set_seed(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread: steadier (and on a busy 2-core machine ~5x faster) than two
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            learn = readnet_learner(dls, loss='atl', arch='resnet18', lr=1e-3, eval_every=0)
            with learn.no_bar(), learn.no_logging(): learn.fit(epochs)
    finally: torch.set_num_threads(threads)
    return np.array([[float(v) for v in row[:-1]] for row in learn.recorder.values])  # the last column is wall time

def test_pil_and_cached_loaders_train_identically(tiny):
    df, croot = tiny
    kw = dict(P=4, K=2, size=(32, 16), bs_eval=8, seed=3, device='cpu')
    pil = _train(pk_dataloaders(df, **kw))
    cached = _train(pk_dataloaders(df, cache=croot, **kw))
    assert len(pil) == 2 and np.isfinite(pil[-1]).all()  # evaluated after the last epoch only
    np.testing.assert_array_equal(cached, pil)  # losses, loss parts and retrieval numbers, to the bit

def test_bad_image_stops_the_build_and_leaves_nothing(tmp_path):
    df = tiny_reid_table(tmp_path/'data')
    bad = df.path[df.split == 'train'].iloc[5]
    Path(bad).write_bytes(b'not a jpeg')
    with pytest.raises(ReIDDataError, match=Path(bad).name):
        pk_dataloaders(df, P=3, K=2, size=(16, 8), cache=tmp_path/'decoded', device='cpu')
    left = sorted(p.name for p in (tmp_path/'decoded').rglob('*') if p.is_file())
    assert 'images.npy' not in left and not any('.tmp' in n for n in left), left

def test_a_changed_file_rebuilds_only_its_split(tmp_path):
    df = tiny_reid_table(tmp_path/'data')
    kw = dict(P=3, K=2, size=(16, 8), cache=tmp_path/'decoded', device='cpu')
    before = [d.cache.path for d in pk_dataloaders(df, **kw).loaders]
    path = df.path[df.split == 'train'].iloc[0]
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    after = [d.cache.path for d in pk_dataloaders(df, **kw).loaders]
    assert after[0] != before[0] and after[1:] == before[1:]
    assert all(p.exists() for p in before + after)  # the old train cache is left for whoever still uses it

def test_cache_pickles_as_its_path_and_workers_gather_the_same_batches(tiny):
    df, croot = tiny
    dls = pk_dataloaders(df, P=3, K=4, size=(16, 8), bs_eval=4, cache=croot, seed=0, device='cpu')
    cache = dls.gallery.cache
    blob = pickle.dumps(cache)
    assert len(blob) < 1000  # the path, not the pixels
    np.testing.assert_array_equal(pickle.loads(blob).gather([3, 1]), cache.gather([3, 1]))
    in_workers = dls.gallery.new(num_workers=2)
    assert isinstance(in_workers, CachedDL) and in_workers.fake_l.num_workers == 2
    for a, b in zip(dls.gallery, in_workers, strict=True):
        for u, v in zip(a, b): assert torch.equal(u, v)

WORKER = textwrap.dedent('''
    import json, os, sys
    import torch, torch.distributed as dist
    from readnet.data.sampler import pk_dataloaders
    from readnet.test_utils import tiny_reid_table
    data, croot, out = sys.argv[1:4]
    dist.init_process_group('gloo')
    rank = dist.get_rank()
    df = tiny_reid_table(data)
    dls = pk_dataloaders(df, P=2, K=2, size=(16, 8), bs_eval=8, seed=7, cache=croot, device='cpu')
    torch.manual_seed(rank)
    res = dict(rank=rank, idxs=dls.train.get_idxs(), caches=[str(d.cache.path) for d in dls.loaders],
               sums=[float(x.sum()) for x, *_ in dls.train])
    gathered = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, res)
    if rank == 0:
        with open(out + '.tmp', 'w') as f: json.dump(gathered, f)
        os.replace(out + '.tmp', out)
    dist.destroy_process_group()
''')

def test_two_ranks_build_one_cache_and_split_the_epoch(tmp_path):
    df = tiny_reid_table(tmp_path/'data')
    script, out, croot = tmp_path/'worker.py', tmp_path/'result.json', tmp_path/'decoded'
    script.write_text(WORKER)
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=2', str(script),
           str(tmp_path/'data'), str(croot), str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    r0, r1 = json.loads(out.read_text())
    assert r0['caches'] == r1['caches'] and len({Path(p).parent for p in r0['caches']}) == 3
    assert sorted(p.name for p in croot.iterdir()) == sorted(Path(p).parent.name for p in r0['caches'])  # no duplicates
    single = pk_dataloaders(df, P=2, K=2, size=(16, 8), seed=7, cache=croot, device='cpu').train
    batches = single.batch_idxs(0)
    np.testing.assert_array_equal(np.array(r0['idxs']).reshape(-1, 4), batches[0::2])  # whole batches, alternating
    np.testing.assert_array_equal(np.array(r1['idxs']).reshape(-1, 4), batches[1::2])

@needs_cuda
def test_cuda_batches_are_the_cpu_batches_and_copy_without_syncing(tiny):
    df, croot = tiny
    kw = dict(P=3, K=4, size=(16, 8), bs_eval=4, seed=0, cache=croot)
    cpu, gpu = pk_dataloaders(df, device='cpu', **kw), pk_dataloaders(df, device='cuda', **kw)
    raw = gpu.train.create_batch(list(range(12)))  # gathered into pinned memory, copied without blocking
    assert raw[0].device.type == 'cuda' and raw[0].dtype == torch.uint8
    torch.cuda.set_sync_debug_mode('error')  # any host synchronisation inside the loaders raises
    try:
        gpu_batches = [[t.clone() for t in b] for b in gpu.query]
        train = [b[1].clone() for b in gpu.train]
    finally: torch.cuda.set_sync_debug_mode('default')
    assert [t.cpu().tolist() for t in train] == [b[1].tolist() for b in cpu.train]  # epoch 1 of both: same identities
    for a, b in zip(cpu.query, gpu_batches, strict=True):
        for u, v in zip(a, b): assert torch.equal(u, v.cpu())

@needs_cuda
def test_loss_parts_accumulate_without_syncing():
    from readnet.model.losses import LossParts
    parts = LossParts(mock.Mock(part_names=('emb', 'active'), parts={}))
    parts.learn = SimpleNamespace(training=True, yb=(torch.zeros(8, device="cuda"),))
    parts.before_epoch()
    torch.cuda.set_sync_debug_mode('error')
    try:
        for v in (0.5, 0.25):
            parts.loss_obj.parts = {'emb': torch.tensor(v, device='cuda'), 'active': torch.tensor(1., device='cuda')}
            parts._accumulate()
    finally: torch.cuda.set_sync_debug_mode('default')
    assert parts._mean('emb') == 0.375 and parts._mean('active') == 1.
