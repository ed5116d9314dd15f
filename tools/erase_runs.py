"""Camera erasure applied to finished runs, offline: what `--erase` would have given for each run.

A run with `--erase` trains exactly as the same run without it (the projection is fitted after the last
training pass), so for a trained model the erased numbers are computed here from its `model.pth`: the features of the
training images fit the projection (`readnet.camera.erasure.fit_camera_projection`), then mAP, rank-1 and the camera probe
are measured on query/gallery with and without it. `--variants` adds the alternatives compared in 09b (section 13).

    python tools/erase_runs.py OUT.csv RUN_DIR... [--variants] [--features DIR]

`--features DIR` keeps each run's extracted features in DIR (one .pt per run) and reuses them on the next call.
"""
import argparse, json, sys
from pathlib import Path
import numpy as np, pandas as pd, torch
from readnet.training.config import TrainConfig
from readnet.training.run import load_table
from readnet.data.sampler import pk_dataloaders
from readnet.model.network import ReIDModel, CameraProjection
from readnet.evaluation.metrics import extract_features, evaluate_features
from readnet.evaluation.probe import camera_probe
from readnet.camera.erasure import train_features, fit_camera_projection

def features(run:Path, cache:Path|None):
    f = cache / (str(run).strip('/').replace('/', '__') + '.pt') if cache else None
    if f is not None and f.exists(): return torch.load(f, weights_only=False)
    cfg = TrainConfig.from_json(run / 'config.json')
    dls = pk_dataloaders(load_table(cfg), P=cfg.P, K=cfg.K, size=cfg.size, num_workers=0, device='cpu', cache=cfg.cache)
    model = ReIDModel(cfg.arch, head=cfg.head).load_weights(run / 'model.pth').eval()
    model.erase = None  # the raw features, whatever the run saved
    (xf, xp, xc), (qf, qp, qc), (gf, gp, gc) = (train_features(model, dls), extract_features(model, dls.query),
                                                 extract_features(model, dls.gallery))
    d = dict(xf=xf, xp=xp, xc=xc, qf=qf, qp=qp, qc=qc, gf=gf, gp=gp, gc=gc, metric=cfg.metric)
    if f is not None: f.parent.mkdir(parents=True, exist_ok=True); torch.save(d, f)
    return d

def _onehot(c): return torch.nn.functional.one_hot(torch.as_tensor(np.unique(c, return_inverse=True)[1]).long()).double()

def _id_residuals(x, p):
    _, inv = np.unique(p, return_inverse=True); inv = torch.as_tensor(inv)
    sums = torch.zeros(inv.max() + 1, x.shape[1], dtype=x.dtype).index_add_(0, inv, x)
    return x - (sums / torch.bincount(inv).to(x.dtype)[:, None])[inv]

def leace(x, c, cov_from=None, shrink=0.):
    "LEACE (Belrose et al. 2023): the oblique projection that makes the camera means equal in the whitened space."
    x = x.double(); mu = x.mean(0); xc = x - mu; z = _onehot(c); zc = z - z.mean(0)
    base = xc if cov_from is None else cov_from.double() - cov_from.double().mean(0)
    s = base.T @ base / len(base)
    if shrink: s = (1 - shrink) * s + shrink * s.trace() / len(s) * torch.eye(len(s), dtype=s.dtype)
    l, v = torch.linalg.eigh(s); k = l > 1e-5 * l.max(); l, v = l[k], v[:, k]
    w, wi = v @ torch.diag(l.rsqrt()) @ v.T, v @ torch.diag(l.sqrt()) @ v.T
    u, sv, _ = torch.linalg.svd(w @ (xc.T @ zc / len(x)), full_matrices=False); u = u[:, sv > 1e-8 * sv.max()]
    m = (wi @ u @ u.T @ w).float()
    return lambda f: f - (f - mu.float()) @ m.T

def raw_means(x, c):
    "Orthogonal projection off the per-camera means of the raw features (identities not taken out)."
    x = x.double(); z = _onehot(c); means = z.T @ x / z.sum(0)[:, None] - x.mean(0)
    u, s, _ = torch.linalg.svd(means.T, full_matrices=False)
    return CameraProjection(x.mean(0).float(), u[:, s > 1e-6 * s.max()].float())

def variants(d, all_variants):
    x, p, c = d['xf'], d['xp'], d['xc']
    yield 'plain', lambda f: f
    yield 'erase', fit_camera_projection(x, p, c)  # the library's: `--erase`
    if not all_variants: return
    proj = fit_camera_projection(x, p, c)
    yield 'erase-rank2', CameraProjection(proj.mean, proj.basis[:, :2])
    yield 'raw-means', raw_means(x, c)
    r = _id_residuals(x.double(), p).float()
    yield 'leace', leace(x, c)
    yield 'leace-shrink0.5', leace(x, c, shrink=0.5)
    yield 'leace-within-cov', leace(x, c, cov_from=r)
    yield 'leace-residuals', leace(r, c)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('out'); ap.add_argument('runs', nargs='+')
    ap.add_argument('--variants', action='store_true', help='also the alternatives of 09b section 13')
    ap.add_argument('--features', help='folder to keep extracted features in (reused when present)')
    a = ap.parse_args()
    torch.set_num_threads(1)
    rows = []
    for run in map(Path, a.runs):
        cfg, d = json.loads((run / 'config.json').read_text()), features(run, Path(a.features) if a.features else None)
        for name, fn in variants(d, a.variants):
            with torch.no_grad(): q, g = fn(d['qf']), fn(d['gf'])
            cmc, mAP = evaluate_features(q, g, d['qp'], d['gp'], d['qc'], d['gc'], metric=d['metric'])
            keep = d['gp'] >= 0
            pr = camera_probe(g[torch.as_tensor(keep)], d['gc'][keep])
            rows.append(dict(run=str(run), variant=name, seed=cfg['seed'], loss=cfg['loss'], adversary=cfg['adversary'],
                             disc=cfg.get('disc', 'paper') if cfg['adversary'] else '', w2=cfg['w2'], val_ids=cfg['val_ids'],
                             synth_seed=cfg['synth_seed'], synth_cams=cfg['synth_cams'], synth_camera_shift=cfg['synth_camera_shift'],
                             synth_images_per_id=cfg['synth_images_per_id'], synth_label_noise=cfg['synth_label_noise'],
                             synth_ids=cfg['synth_ids'], epochs=cfg['epochs'], mAP=float(mAP), rank1=float(cmc[0]),
                             camera_probe_acc=pr['accuracy'], camera_probe_chance=pr['chance']))
        print(run, *(f"{r['variant']} mAP {100 * r['mAP']:.1f} probe {100 * r['camera_probe_acc']:.1f}"
                     for r in rows if r['run'] == str(run) and r['variant'] in ('plain', 'erase')), flush=True)
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(out.with_suffix('.tmp'), index=False); out.with_suffix('.tmp').replace(out)

if __name__ == '__main__': main()
