"""How wide should the ABC-SMC's perturbation kernel be? Re-weight a finished calibration's generations offline.

For each generation t >= 1 of a calibration folder (`lockdown-sim calibrate --out DIR`), take generation t-1 as the
population the kernel is fitted to and generation t's weighted particles as a sample of the ABC posterior p at
generation t's threshold; then, for a multivariate normal kernel with covariance = scaling x the population's
weighted covariance (truncated to the prior's box, as pyABC redraws proposals outside it), estimate without a
single simulation:

- the acceptance rate relative to pyABC's default (Silverman's rule of thumb): acceptance is proportional to
  E_p[q(theta)] under a uniform prior, q the truncated proposal density;
- the effective sample size (Kish) as a share of the population the accepted particles would have, with pyABC's
  weights prior / q_untruncated: (E_p[q_t/q])^2 / (E_p[q_t] E_p[q_t/q^2]);
- their product, effective particles per simulation, relative to the default.

The estimate for the kernel the fit actually used should match the ESS the fit reached (a check printed first).
The estimates lean on generation t's own weights, so they are rough when its ESS is small.

    python benchmarks/calibration_kernel.py /work/cal/full    # a calibration folder with abc.db

Result on the first full fit (Silverman kernel, 3 generations): benchmarks/results/calibration-kernel.md.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

SCALINGS = (0.3, 0.6, 0.8, 1.0, 1.5, 2.0)  # x the population's weighted covariance


def _unit_box(frame, params, seed_indexes):
    """Each particle's latent coordinates as shares of the prior's box (0..1), the seed index last."""
    cols = []
    for p in params:
        a, b = p.latent_bounds
        cols.append((frame[p.name].to_numpy() - a) / (b - a))
    if "seed_index" in frame:
        cols.append(frame["seed_index"].to_numpy() / seed_indexes)
    return np.column_stack(cols)


def estimate(X0, w0, X1, w1, scaling, rng, inside=3000):
    """(ESS share, acceptance up to a constant) of a kernel with covariance scaling x cov(X0; w0)."""
    from scipy.stats import multivariate_normal

    cov = np.cov(X0.T, aweights=w0) * scaling
    in_box = np.array([np.mean(np.all((z := rng.multivariate_normal(x, cov, inside)) >= 0, axis=1)
                               & np.all(z <= 1, axis=1)) for x in X0])
    K = np.array([multivariate_normal.pdf(X1, mean=x, cov=cov, allow_singular=True) for x in X0])
    q = w0 @ K
    q_t = (w0 / np.maximum(in_box, 1e-9)) @ K
    acceptance = np.sum(w1 * q_t)
    ess = np.sum(w1 * q_t / q) ** 2 / (acceptance * np.sum(w1 * q_t / q**2))
    return float(ess), float(acceptance)


def main(argv=None) -> int:
    import pyabc

    from lockdown_sim.experiments.calibrate import DATABASE, SEED_INDEXES, load_posterior

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    args = ap.parse_args(argv)
    if not (args.folder / DATABASE).exists():
        print(f"folder: '{args.folder}' holds no {DATABASE}; allowed: an output folder of lockdown-sim calibrate",
              file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore")
    params = load_posterior(args.folder)["params"]
    history = pyabc.History(f"sqlite:///{(args.folder / DATABASE).resolve()}")
    rng = np.random.default_rng(0)
    print("| generation | realised ESS share | kernel (x population covariance) | ESS share | acceptance "
          "(x default) | effective particles per simulation (x default) |")
    print("|---|---|---|---|---|---|")
    for t in range(1, history.max_t + 1):
        f0, w0 = history.get_distribution(m=0, t=t - 1)
        f1, w1 = history.get_distribution(m=0, t=t)
        w0, w1 = np.asarray(w0) / np.sum(w0), np.asarray(w1) / np.sum(w1)
        X0, X1 = _unit_box(f0, params, SEED_INDEXES), _unit_box(f1, params, SEED_INDEXES)
        n, d = 1 / np.sum(w0**2), X0.shape[1]
        silverman = (4 / n / (d + 2)) ** (2 / (d + 4))  # pyABC's default, on the covariance
        realised = 1 / np.sum(w1**2) / len(w1)
        base_ess, base_acc = estimate(X0, w0, X1, w1, silverman, rng)
        print(f"| {t} | {realised:.2f} | {silverman:.2f} (Silverman, pyABC's default) | {base_ess:.2f} | 1.00 | 1.00 |")
        for s in SCALINGS:
            ess, acc = estimate(X0, w0, X1, w1, s, rng)
            print(f"| {t} | | {s:.2f} | {ess:.2f} | {acc / base_acc:.2f} | {ess * acc / (base_ess * base_acc):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
