"""Benchmark gallery search at a million images (run: .venv/bin/python bench/search.py [--n 1000000] [--threads 1]).

Random-but-clustered features stand in for a large re-id gallery: 512-d, n / 50 identities (1-200 images each,
log-normal) grouped in 1,000 look-alike groups; queries are new images of random identities. Printed, side by side
in one run on the same features and queries:
  * brute force: torch `addmm` of the query block against all gallery features + `topk` (the exact baseline, which
    also gives the ground truth), and readnet's exact index (faiss `IndexFlatL2`, searched by readnet with the
    evaluation's distance arithmetic and a stable order; one round);
  * faiss's own search of that flat index, for comparison (one round);
  * readnet's approximate index (`GalleryIndex.from_features(..., approx=True)`: IVF-PQ fast-scan, exact re-ranking
    of rerank x top candidates read from features.npy on disk through a memmap);
  * build time, memory (feature matrix, index size, process RSS), query latency p50/p99 for one query and for a
    batch of 1,000 (p99 of the few batch repeats is their maximum), recall@10 of the approximate index against exact
    search, and the query throughput ratio approximate / brute force. Rounds of the methods are interleaved.
Goal (issue 17): recall@10 >= 0.95 at >= 20x the brute-force query throughput.
"""
import argparse, os, platform, sys, tempfile, time
from pathlib import Path
import numpy as np, torch

def cpu_name():
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'): return line.split(':', 1)[1].strip()
    except OSError: pass
    return platform.processor() or platform.machine()

def rss_mb(field='VmRSS'):
    "Current (VmRSS) or peak (VmHWM) resident memory of this process in MiB."
    try: return int(next(l for l in open('/proc/self/status') if l.startswith(field)).split()[1]) / 1024
    except (OSError, StopIteration): return float('nan')

def clustered(n, d, seed, n_ids=None):
    "Features [n, d] (float32) around n/50 identity centres that form 1,000 groups, and each row's identity."
    rng = np.random.default_rng(seed)
    n_ids = n_ids or max(1, n // 50)
    groups = rng.standard_normal((1000, d), dtype=np.float32)
    centres = groups[rng.integers(0, 1000, n_ids)] + 0.7 * rng.standard_normal((n_ids, d), dtype=np.float32)
    sizes = np.clip(rng.lognormal(3.5, 0.8, n_ids), 1, 200)
    ids = rng.choice(n_ids, n, p=sizes / sizes.sum()).astype(np.int32)
    x = np.empty((n, d), np.float32)
    for s in range(0, n, 65536):  # in blocks: no temporary as large as x
        x[s:s + 65536] = centres[ids[s:s + 65536]] + 0.5 * rng.standard_normal((len(ids[s:s + 65536]), d), dtype=np.float32)
    return x, ids, centres

def brute_force(q, g, g_sq, top=10, block=64):
    "Exact top-`top` rows by euclidean distance: torch addmm against the whole gallery, a block of queries at a time."
    out = [torch.topk(torch.addmm(g_sq[None], q[s:s + block], g.T, alpha=-2), top, dim=1, largest=False).indices
           for s in range(0, len(q), block)]
    return torch.cat(out).numpy()

def timed(f):
    t = time.perf_counter(); out = f(); return time.perf_counter() - t, out

def pct(ts, p): return float(np.percentile(np.asarray(ts) * 1000, p))

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, default=1_000_000, help='gallery size (default 1,000,000)')
    ap.add_argument('--d', type=int, default=512, help='feature size (default 512)')
    ap.add_argument('--queries', type=int, default=1000, help='batch of queries (default 1,000)')
    ap.add_argument('--single', type=int, default=200, help='single queries timed for the approximate index (default 200)')
    ap.add_argument('--single-brute', type=int, default=20, help='single queries timed by brute force (default 20)')
    ap.add_argument('--repeats', type=int, default=3, help='batch repeats per method (default 3)')
    ap.add_argument('--threads', type=int, default=1, help='torch and faiss threads (default 1: the machine is shared)')
    ap.add_argument('--nprobe', type=int, nargs='*', default=None, help='also measure these nprobe values')
    ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args()
    import faiss
    from readnet.search.index import GalleryIndex
    from readnet.search.query import search_features
    torch.set_num_threads(args.threads); faiss.omp_set_num_threads(args.threads)
    print(f"CPU: {cpu_name()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; {args.threads} thread(s) for torch "
          f"{torch.__version__} and faiss {faiss.__version__}; gallery {args.n:,} x {args.d}, {args.queries:,} queries", flush=True)

    t, (x, ids, centres) = timed(lambda: clustered(args.n, args.d, args.seed))
    rng = np.random.default_rng(args.seed + 1)
    q_ids = rng.integers(0, len(centres), args.queries)
    q = centres[q_ids] + 0.5 * rng.standard_normal((args.queries, args.d), dtype=np.float32)
    print(f"features: {x.nbytes / 2**30:.2f} GiB float32, {len(centres):,} identities; made in {t:.0f} s; "
          f"RSS {rss_mb():.0f} MiB", flush=True)
    folder = Path(tempfile.mkdtemp(prefix='readnet-bench-search-'))
    np.save(folder / 'features.npy', x)
    on_disk = np.load(folder / 'features.npy', mmap_mode='r')

    # builds
    g, qt = torch.from_numpy(x), torch.from_numpy(q)
    t_brute, g_sq = timed(lambda: torch.cat([(c * c).sum(1) for c in g.split(65536)]))  # no 2 GiB temporary
    rss0 = rss_mb()
    t_flat, flat = timed(lambda: GalleryIndex.from_features(x))
    t_faiss_flat, _ = timed(lambda: flat.index.search(q, 10))
    print(f"faiss's own search of the flat index: {t_faiss_flat:.1f} s for {args.queries} queries", flush=True)
    rss1 = rss_mb()
    t_approx, approx = timed(lambda: GalleryIndex.from_features(on_disk, approx=True))
    rss2 = rss_mb()
    p = approx.meta['approx']
    approx_bytes = faiss.serialize_index(approx.index).nbytes
    print(f"build: brute force {t_brute:.1f} s (squared norms); exact index (faiss flat) {t_flat:.1f} s, "
          f"+{rss1 - rss0:.0f} MiB RSS (a copy of the features); approximate index IVF{p['nlist']},PQ{p['m']}x4fs "
          f"{t_approx:.0f} s (k-means on {p['train_size']:,} rows, then adding all), index {approx_bytes / 2**20:.0f} MiB "
          f"(+{rss2 - rss1:.0f} MiB RSS), re-ranking reads features.npy ({x.nbytes / 2**30:.2f} GiB) on disk", flush=True)

    # batch of queries, interleaved rounds
    methods = {'brute force (torch matmul)': (lambda: brute_force(qt, g, g_sq), 2),  # (search, rounds at most)
               'exact index': (lambda: search_features(flat, q)[1], 1),
               'approximate index': (lambda: search_features(approx, q)[1], args.repeats)}
    runs, results = {name: [] for name in methods}, {}
    for r in range(max(2, args.repeats)):
        for name, (f, rounds) in methods.items():
            if r >= rounds: continue
            t, results[name] = timed(f); runs[name].append(t)
            print(f"  round {r + 1}: {name} {t:.2f} s for {args.queries} queries", flush=True)
    truth = results['brute force (torch matmul)']
    recall = lambda found: float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth)]))
    same_id = float((ids[truth] == q_ids[:, None]).mean())

    # single queries
    single = {}
    order = rng.permutation(args.queries)
    single['approximate index'] = [timed(lambda i=i: search_features(approx, q[i:i + 1]))[0] for i in order[:args.single]]
    single['brute force (torch matmul)'] = [timed(lambda i=i: brute_force(qt[i:i + 1], g, g_sq))[0] for i in order[:args.single_brute]]
    single['exact index'] = [timed(lambda i=i: search_features(flat, q[i:i + 1]))[0] for i in order[:args.single_brute]]

    print(f"\nrecall@10 against exact search over {args.queries} queries; {100 * same_id:.0f}% of the exact top-10 are "
          f"the query's identity (how clustered the data is)")
    base_batch = args.queries / np.median(runs['brute force (torch matmul)'])
    base_single = 1 / np.median(single['brute force (torch matmul)'])
    batch_col = f'{args.queries} queries p50/p99 s'
    print(f"{'method':28s} {'recall@10':>9s} {'1 query p50/p99 ms':>20s} {batch_col:>23s} "
          f"{'queries/s':>10s} {'x brute (batch)':>15s} {'x brute (1 query)':>17s}")
    for name in runs:
        qps = args.queries / np.median(runs[name])
        print(f"{name:28s} {recall(results[name]):9.4f} {pct(single[name], 50):9.2f}/{pct(single[name], 99):<10.2f} "
              f"{pct(runs[name], 50) / 1000:11.2f}/{pct(runs[name], 99) / 1000:<11.2f} {qps:10.0f} {qps / base_batch:15.1f} "
              f"{(1 / np.median(single[name])) / base_single:17.1f}")
    print(f"approximate index settings: nprobe {p['nprobe']} of {p['nlist']} cells, {p['rerank']} x 10 candidates re-ranked")
    for nprobe in args.nprobe or []:
        for rerank in (1, 10):
            t, found = timed(lambda: search_features(approx, q, nprobe=nprobe, rerank=rerank)[1])
            print(f"  nprobe {nprobe:3d}, rerank {rerank:2d}: recall@10 {recall(found):.4f}, {args.queries / t:7.0f} queries/s "
                  f"({args.queries / t / base_batch:.1f}x brute force)", flush=True)
    print(f"memory: features {x.nbytes / 2**20:.0f} MiB (brute force and the flat index hold them in RAM; the flat index "
          f"a second copy); approximate index {approx_bytes / 2**20:.0f} MiB in RAM + the features on disk; "
          f"peak RSS of this process {rss_mb('VmHWM'):.0f} MiB")
    for f in folder.iterdir(): f.unlink()
    folder.rmdir()

if __name__ == '__main__':
    main()
