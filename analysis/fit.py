"""How well a capture fits a model (model.json as `dust model check`
wrote it from the loaded model: byte weights and CDFs).

  lengths, packets per second, durations: one-sample Kolmogorov-Smirnov
      against the model's CDF.  Both CDFs are step functions; D is taken
      at every point where either jumps, and the p-value is the
      continuous one (kstwo), which is conservative for a discrete model.
      Durations use the CDF on a 1% grid above 1000 ms.
  bytes: Pearson chi-square of the byte counts against the model's
      weights (over the values of non-zero weight; the share of bytes on
      zero-weight values is reported apart), and the Kullback-Leibler
      divergence KL(observed || model) in bits per byte (model weights
      floored at 1e-9 so that it stays finite).
"""
import numpy as np
from scipy import stats


class StepCDF:
    def __init__(self, points):
        p = np.array(points, dtype=float).reshape(-1, 2)
        self.x, self.f = p[:, 0], p[:, 1]

    def __call__(self, k):
        i = np.searchsorted(self.x, k, side="right") - 1
        out = np.where(i >= 0, self.f[np.clip(i, 0, len(self.f) - 1)], 0.0)
        return np.where(k >= self.x[-1], 1.0, out)


def ks(sample, points):
    sample = np.sort(np.asarray(sample, dtype=float))
    n = len(sample)
    if n == 0:
        return {"n": 0, "D": float("nan"), "p": float("nan")}
    cdf = StepCDF(points)
    xs = np.union1d(sample, cdf.x)
    fn = np.searchsorted(sample, xs, side="right") / n
    d = float(np.max(np.abs(fn - cdf(xs))))
    # Just below the smallest point, both are 0 (model min <= its x[0]).
    return {"n": n, "D": d, "p": float(stats.kstwo.sf(d, n))}


def bytes_fit(counts, weight):
    counts = np.asarray(counts, dtype=float)
    w = np.asarray(weight, dtype=float)
    w = w / w.sum()
    n = counts.sum()
    if n == 0:
        return {"n": 0}
    pos = w > 0
    off = float(counts[~pos].sum() / n)
    o = counts[pos]
    e = w[pos] / w[pos].sum() * o.sum()
    chi = float(((o - e) ** 2 / e).sum())
    dof = int(pos.sum() - 1)
    p_obs = counts / n
    q = np.maximum(w, 1e-9)
    q = q / q.sum()
    nz = p_obs > 0
    kl = float((p_obs[nz] * np.log2(p_obs[nz] / q[nz])).sum())
    return {"n": int(n), "chi2": chi, "dof": dof,
            "p": float(stats.chi2.sf(chi, dof)), "chi2_per_byte": chi / n,
            "zero_weight_share": off, "kl_bits": kl}


def evaluate(model, cap):
    out = {}
    for d, key in ((0, "c2s"), (1, "s2c")):
        m = model[key]
        out[key] = {
            "length": ks(cap.lengths(d), m["length"]),
            "flow": ks(cap.per_second(d), m["flow"]),
            "bytes": bytes_fit(cap.bytes[d], m["weight"]),
        }
    out["duration"] = ks(cap.durations_ms(), model["c2s"]["duration"])
    return out
