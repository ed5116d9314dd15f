"""How much of the camera can a ridge camera fit see in one P×K batch, and how much in a memory of past batches?

Reads a finished run (`readnet train ... --out RUN`), embeds its *training* images with the saved model (no test
image is read), draws P×K batches as the sampler does and, per batch, fits the camera by ridge regression
(readnet.research.linear_adversary) either on the batch itself with each identity held out (`loo_ridge_fit`) or on the
previous M batches less the batch's identities (`ridge_transfer_fit`); prints the mean held-out R² and accuracy
for each ridge strength λ and memory size M. The numbers in nbs/13_research.linear_adversary come from:

    python tools/adversary_fit.py runs/main/atl-s0 --lams 0.1 0.01 --memories 8 16
"""
import argparse
import numpy as np, pandas as pd, torch
from pathlib import Path
from readnet.training.config import TrainConfig
from readnet.training.run import load_table
from readnet.data.sampler import pk_dataloaders
from readnet.model.network import ReIDModel
from readnet.evaluation.metrics import extract_features
from readnet.research.linear_adversary import loo_ridge_fit, ridge_transfer_fit

def train_features(run:Path):
    "Features, pids and camera ids of the run's training images (no augmentation, the model in eval mode)."
    cfg = TrainConfig.from_json(run / 'config.json')
    df = load_table(cfg)
    train = df[df.split == 'train']
    # the training images as query (walked in order, without augmentation); the loaders also want the other splits
    table = pd.concat([train.assign(split=s) for s in ('query', 'gallery', 'train')], ignore_index=True)
    dls = pk_dataloaders(table, P=cfg.P, K=cfg.K, size=cfg.size, num_workers=0, device='cpu', cache=cfg.cache)
    model = ReIDModel(cfg.arch, head=cfg.head).load_weights(run / 'model.pth')
    f, pids, cams = extract_features(model, dls.query)
    return f, torch.as_tensor(pids), torch.as_tensor(cams), cfg

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('run', type=Path, help='a finished run directory')
    ap.add_argument('--lams', type=float, nargs='+', default=[0.1, 0.01], help='ridge strengths')
    ap.add_argument('--memories', type=int, nargs='+', default=[8, 16], help='batches of memory')
    ap.add_argument('--batches', type=int, default=64, help='P×K batches to draw')
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(1)
    f, pids, cams, cfg = train_features(a.run)
    n_cams = int(cams.max()) + 1
    print(f"{a.run}: {len(f)} training images, {len(pids.unique())} identities, {n_cams} cameras, features {tuple(f.shape)}")
    rng = np.random.default_rng(a.seed)
    ids = pids.unique().numpy()
    by_id = {p: np.flatnonzero(pids.numpy() == p) for p in ids}
    batches = [torch.as_tensor(np.concatenate([rng.choice(by_id[p], cfg.K, replace=len(by_id[p]) < cfg.K)
                                               for p in rng.choice(ids, cfg.P, replace=False)])) for _ in range(a.batches)]
    first = max(a.memories)  # every fit is scored on the same batches
    print(f"{'fit':<34} {'λ':>6} {'R²':>7} {'acc':>6}")
    for lam in a.lams:
        fits = [loo_ridge_fit(f[b], cams[b], n_cams, lam, pids[b]) for b in batches[first:]]
        print(f"{'batch, identities held out':<34} {lam:>6g} {np.mean([r.item() for r, _ in fits]):>7.3f} {np.mean([c.item() for _, c in fits]):>6.3f}")
        for m in a.memories:
            fits = []
            for i in range(first, len(batches)):
                b, mem = batches[i], torch.cat(batches[i - m:i])
                mem = mem[~torch.isin(pids[mem], pids[b])]
                fits.append(ridge_transfer_fit(f[b], cams[b], f[mem], cams[mem], n_cams, lam))
            print(f"{f'memory of {m} batches':<34} {lam:>6g} {np.mean([r.item() for r, _ in fits]):>7.3f} {np.mean([c.item() for _, c in fits]):>6.3f}")

if __name__ == '__main__': main()
