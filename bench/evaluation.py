"""Benchmark readnet.evaluation.metrics (run: .venv/bin/python bench/evaluation.py
[--with-official] [--skip-market] [--skip-msmt] [--skip-rerank]).

Prints, side by side in one run:
  * a per-query loop reference (`readnet.test_utils.eval_market_loop`) vs `evaluate_rank` on a random Market-1501-size matrix
    (3,368 x 15,913, 751 ids, 6 cameras): times and ratio (goal >= 20x), and numpy's plain `argsort` of the same
    matrix (goal: `evaluate_rank` within 2x of it);
  * peak RSS of `evaluate_features` at MSMT17 size (11,659 x 82,161, 2048-d random features; goal <= 1.5 GB) and of
    `re_rank` on 5,000 x 20,000, each measured in a fresh subprocess from /proc/self/status VmHWM (peak RSS: covers
    torch's and numpy's native allocations, which tracemalloc does not see; unlike getrusage's ru_maxrss it is not
    inherited from the parent process across fork/exec), falling back to ru_maxrss where /proc is missing.
"""
import sys, time, subprocess, platform, warnings
from pathlib import Path
import numpy as np, torch


def cpu_name():
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'): return line.split(':', 1)[1].strip()
    except OSError: pass
    return platform.processor() or platform.machine()

def best_of(f, n=2):
    times = []
    for _ in range(n):
        t = time.perf_counter(); out = f(); times.append(time.perf_counter() - t)
    return min(times), out

def market_case(seed=0, nq=3368, ng=15913, n_ids=751, n_cams=6):
    rng = np.random.default_rng(seed)
    return (rng.random((nq, ng)), rng.integers(0, n_ids, nq), rng.integers(0, n_ids, ng),
            rng.integers(0, n_cams, nq), rng.integers(0, n_cams, ng))

# Child processes: each prints one line with its peak RSS (and the RSS after imports and after making the features)
PREAMBLE = r'''
import resource, time, numpy as np, torch
def peak_mb():  # VmHWM: peak RSS of this address space (fresh after exec; ru_maxrss is inherited from the parent)
    try: return int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]) / 1024
    except (OSError, StopIteration): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
'''
CHILD_MSMT = PREAMBLE + r'''
from readnet.evaluation.metrics import evaluate_features
imports = peak_mb()
torch.manual_seed(0); rng = np.random.default_rng(0)
nq, ng, d, n_ids, n_cams = 11659, 82161, 2048, 3060, 15
qf, gf = torch.randn(nq, d), torch.randn(ng, d)
q_pids, g_pids = rng.integers(0, n_ids, nq), rng.integers(0, n_ids, ng)
q_cams, g_cams = rng.integers(0, n_cams, nq), rng.integers(0, n_cams, ng)
base = peak_mb()
t = time.perf_counter()
cmc, mAP = evaluate_features(qf, gf, q_pids, g_pids, q_cams, g_cams)
print(f"peak_rss_mb={peak_mb():.0f} (after imports {imports:.0f}, "
      f"with the features {base:.0f}) "
      f"seconds={time.perf_counter() - t:.1f} mAP={mAP:.5f}")
'''
CHILD_RERANK = PREAMBLE + r'''
from readnet.evaluation.rerank import re_rank
imports = peak_mb()
torch.manual_seed(0)
nq, ng, d = 5000, 20000, 512
qf, gf = torch.randn(nq, d), torch.randn(ng, d)
base = peak_mb()
t = time.perf_counter()
out = re_rank(qf, gf)
print(f"peak_rss_mb={peak_mb():.0f} (after imports {imports:.0f}, "
      f"with the features {base:.0f}) "
      f"seconds={time.perf_counter() - t:.1f} output_mb={out.nbytes / 2**20:.0f}")
'''

def child(code):
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    if r.returncode: raise RuntimeError(r.stderr[-2000:])
    return r.stdout.strip().splitlines()[-1]

def main(argv):
    from readnet.evaluation.metrics import evaluate_rank
    from readnet.test_utils import eval_market_loop
    print(f"CPU: {cpu_name()}  torch capability {torch.backends.cpu.get_cpu_capability()}  "
          f"torch threads {torch.get_num_threads()}  numpy {np.__version__}  torch {torch.__version__}")
    if '--skip-market' in argv: return memory(argv)
    case = market_case()
    t_loop, (ref_cmc, ref_map, _) = best_of(lambda: eval_market_loop(*case), n=1)
    t_vec, (cmc, mAP) = best_of(lambda: evaluate_rank(*case))
    t_sort, _ = best_of(lambda: np.argsort(case[0], axis=1))
    assert abs(mAP - ref_map) <= 1e-9 and np.abs(cmc - ref_cmc).max() <= 1e-9
    print(f"Market-size 3368x15913 float64, standard AP (mAP {mAP:.6f}, equal to the loop to 1e-9):")
    print(f"  per-query loop reference {t_loop:7.2f} s")
    print(f"  evaluate_rank            {t_vec:7.2f} s   loop / evaluate_rank = {t_loop / t_vec:5.1f}x  (goal >= 20x)")
    print(f"  np.argsort(distmat, 1)   {t_sort:7.2f} s   evaluate_rank / argsort = {t_vec / t_sort:5.2f}x  (goal <= 2x)")
    if '--with-official' in argv:
        t_loop_o, (_, ref_o, _) = best_of(lambda: eval_market_loop(*case, ap='market_official'), n=1)
        t_vec_o, (_, map_o) = best_of(lambda: evaluate_rank(*case, ap='market_official'))
        assert abs(map_o - ref_o) <= 1e-9
        print(f"  official Market AP: loop {t_loop_o:.2f} s, evaluate_rank {t_vec_o:.2f} s, ratio {t_loop_o / t_vec_o:.1f}x")
    memory(argv)

def memory(argv):
    if '--skip-msmt' not in argv:
        print(f"evaluate_features at MSMT17 size (11659x82161, 2048-d float32; goal peak <= 1536 MB): {child(CHILD_MSMT)}")
    if '--skip-rerank' not in argv:
        print(f"re_rank 5000x20000 (512-d float32, k1=20, k2=6): {child(CHILD_RERANK)}")

if __name__ == '__main__': main(sys.argv[1:])
