"PKDL under torch.distributed: two gloo processes on CPU draw whole, disjoint P×K batches whose union is the single-process epoch."
import json, os, subprocess, sys, textwrap
import numpy as np
import pytest
from readnet.data.sampler import pk_dataloaders
from readnet.test_utils import tiny_reid_table

WORKER = textwrap.dedent('''
    import json, os, sys
    import numpy as np, torch, torch.distributed as dist
    from readnet.core import set_seed
    from readnet.data.sampler import pk_dataloaders
    from readnet.test_utils import tiny_reid_table
    root, out, configs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    dist.init_process_group('gloo')
    rank = dist.get_rank()
    set_seed(100 + rank)  # different on purpose: the sampler must agree on rank 0's seed (seed=None)
    df = tiny_reid_table(root)
    results = {}
    for P, K in configs:
        dl = pk_dataloaders(df, P=P, K=K, size=(16, 8), bs_eval=8, device='cpu').train
        res = dict(rank=rank, world_size=dl.world_size, seed=dl.seed, len=len(dl), epochs=[], labels=[])
        for epoch in range(2): res['epochs'].append(dl.get_idxs())
        dl.set_epoch(0)
        for x, y, cam in dl: res['labels'].append(y.tolist())  # real batches of epoch 0, through fastai
        results[f'{P},{K}'] = res
    gathered = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, results)
    if rank == 0:
        with open(out + '.tmp', 'w') as f: json.dump(gathered, f)
        os.replace(out + '.tmp', out)
    dist.destroy_process_group()
''')

CONFIGS = [(2, 2), (3, 2)]  # 8 training ids: 4 batches per pass (even) and 3 (padded to 4 for 2 ranks)

def run_two_ranks(tmp_path):
    "Run the worker on 2 gloo ranks for every (P, K) of CONFIGS; return both ranks' results."
    script, out = tmp_path/'worker.py', tmp_path/'result.json'
    script.write_text(WORKER)
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=2',
           str(script), str(tmp_path/'data'), str(out), json.dumps(CONFIGS)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(out.read_text())

@pytest.fixture(scope='module')
def table(tmp_path_factory):
    "The tiny table and the results of one 2-rank run."
    root = tmp_path_factory.mktemp('ddp')
    df = tiny_reid_table(root/'data')  # written once here; the ranks reuse it
    return df, run_two_ranks(root)

@pytest.mark.parametrize('P,K', CONFIGS)
def test_two_ranks_split_the_single_process_epoch(table, P, K):
    df, results = table
    ranks = [r[f'{P},{K}'] for r in results]
    r0, r1 = ranks
    assert (r0['world_size'], r1['world_size']) == (2, 2)
    assert r0['seed'] == r1['seed']  # rank 0's seed was broadcast
    assert r0['len'] == r1['len'] == 2
    single = pk_dataloaders(df, P=P, K=K, size=(16, 8), seed=r0['seed'], device='cpu').train
    assert single.world_size == 1 and len(single) == -(-8 // P)
    train_pids = df.pid[df.split == 'train'].to_numpy()
    labels_of = np.searchsorted(np.unique(train_pids), train_pids)
    for epoch in range(2):
        mine = [np.array(r['epochs'][epoch]).reshape(-1, P*K) for r in ranks]
        union = np.stack([mine[0][0], mine[1][0], mine[0][1], mine[1][1]])  # batches 0..3 of the epoch
        reference = single.batch_idxs(epoch)
        assert len(reference) == (4 if P == 2 else 3)
        np.testing.assert_array_equal(union[:len(reference)], reference)  # same batches, same order
        for b in union:  # each batch: P distinct identities x K images
            groups = train_pids[b].reshape(P, K)
            assert (groups == groups[:, :1]).all() and len(set(groups[:, 0])) == P
    for r in ranks:  # the batches iterated through fastai carry the labels of the indices drawn for epoch 0
        expected = labels_of[np.array(r['epochs'][0])].reshape(-1, P*K).tolist()
        assert r['labels'] == expected
