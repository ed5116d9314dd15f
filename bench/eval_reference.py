"""Straightforward per-query reference implementations for `readnet.evaluation` (tests and benchmarks only).

Written independently of the library, in the style of torchreid's `eval_market1501` and Zhong et al.'s
`re_ranking`: one Python loop per query, nothing clever, easy to check by eye."""
import itertools
import numpy as np

def eval_market_loop(distmat, q_pids, g_pids, q_camids, g_camids, max_rank=50, ap='standard'):
    "(cmc, mAP, n_skipped) by a loop over queries; stable sort by distance, then gallery index."
    all_cmc, all_ap, skipped = [], [], 0
    for i in range(distmat.shape[0]):
        order = np.argsort(distmat[i], kind='stable')
        remove = ((g_pids[order] == q_pids[i]) & (g_camids[order] == q_camids[i])) | (g_pids[order] == -1)
        raw = (g_pids[order] == q_pids[i])[~remove].astype(np.float64)
        if not raw.any(): skipped += 1; continue
        cmc = raw.cumsum(); cmc[cmc > 1] = 1
        if len(cmc) < max_rank: cmc = np.concatenate([cmc, np.full(max_rank - len(cmc), cmc[-1])])
        all_cmc.append(cmc[:max_rank])
        if ap == 'standard':
            prec = raw.cumsum() / np.arange(1, len(raw) + 1)
            all_ap.append((prec * raw).sum() / raw.sum())
        else:  # the official Market-1501 MATLAB compute_AP, line by line
            ngood, total, old_recall, old_precision, hits = raw.sum(), 0., 0., 1., 0
            for j, good in enumerate(raw):
                hits += good
                recall, precision = hits / ngood, hits / (j + 1)
                total += (recall - old_recall) * (old_precision + precision) / 2
                old_recall, old_precision = recall, precision
                if hits == ngood: break
            all_ap.append(total)
    return np.mean(all_cmc, axis=0), float(np.mean(all_ap)), skipped

def cuhk03_expected_cmc(distmat, q_pids, g_pids, q_camids, g_camids, max_rank=5):
    "Exact expected single-shot CMC (all draws of one image per identity enumerated; tiny galleries only)."
    curves = []
    for i in range(distmat.shape[0]):
        keep = ~(((g_pids == q_pids[i]) & (g_camids == q_camids[i])) | (g_pids == -1))
        if not (keep & (g_pids == q_pids[i])).any(): continue
        groups = [np.flatnonzero(keep & (g_pids == p)) for p in np.unique(g_pids[keep])]
        curve = np.zeros(max_rank)
        draws = list(itertools.product(*groups))
        for draw in draws:
            draw = np.sort(np.array(draw))  # ties: smaller gallery index first
            order = draw[np.argsort(distmat[i, draw], kind='stable')]
            first = np.flatnonzero(g_pids[order] == q_pids[i])[0]
            curve[first:] += 1
        curves.append(curve / len(draws))
    return np.mean(curves, axis=0)

def re_rank_reference(original_dist, query_num, k1=20, k2=6, lambda_value=0.3):
    """k-reciprocal re-ranking as in Zhong et al. 2017 (their `re_ranking` code), given the full (Q+G)x(Q+G) distance
    matrix (squared Euclidean); float64 and a stable argsort so that the answer is well defined."""
    original_dist = original_dist / np.max(original_dist, axis=1, keepdims=True)
    all_num = original_dist.shape[0]
    V = np.zeros_like(original_dist)
    initial_rank = np.argsort(original_dist, axis=1, kind='stable')
    for i in range(all_num):
        forward = initial_rank[i, :k1 + 1]
        backward = initial_rank[forward, :k1 + 1]
        k_reciprocal = forward[np.where(backward == i)[0]]
        expansion = k_reciprocal
        for candidate in k_reciprocal:
            c_forward = initial_rank[candidate, :int(np.around(k1 / 2.)) + 1]
            c_backward = initial_rank[c_forward, :int(np.around(k1 / 2.)) + 1]
            c_reciprocal = c_forward[np.where(c_backward == candidate)[0]]
            if len(np.intersect1d(c_reciprocal, k_reciprocal)) > 2. / 3 * len(c_reciprocal):
                expansion = np.append(expansion, c_reciprocal)
        expansion = np.unique(expansion)
        weight = np.exp(-original_dist[i, expansion])
        V[i, expansion] = weight / np.sum(weight)
    if k2 != 1:
        V = np.stack([V[initial_rank[i, :k2]].mean(0) for i in range(all_num)])
    jaccard = np.zeros((query_num, all_num))
    for i in range(query_num):
        temp_min = np.minimum(V[i][None], V).sum(1)
        jaccard[i] = 1 - temp_min / (2. - temp_min)
    final = jaccard * (1 - lambda_value) + original_dist[:query_num] * lambda_value
    return final[:, query_num:]
