"""The report's figures, as SVG files written with matplotlib."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from fit import StepCDF  # noqa: E402

DIRS = ((0, "c2s", "client to server"), (1, "s2c", "server to client"))
plt.rcParams["svg.hashsalt"] = "dust"  # Same input, same file.


def _save(fig, path):
    for ax in fig.axes:
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)


def _ecdf(ax, x, label, **kw):
    x = np.sort(np.asarray(x, dtype=float))
    if len(x):
        ax.step(x, np.arange(1, len(x) + 1) / len(x), where="post",
                label=label, **kw)


def bytes_plot(path, model, obs, against):
    fig, axes = plt.subplots(2, 1, figsize=(9, 6))
    for (d, key, title), ax in zip(DIRS, axes):
        w = np.array(model[key]["weight"])
        ax.plot(range(256), w / w.sum(), label="model", color="k", lw=1)
        for cap, name, col in ((obs, "observed", "C0"),
                               (against, "against", "C1")):
            if cap is not None and cap.bytes[d].sum() > 0:
                ax.plot(range(256), cap.bytes[d] / cap.bytes[d].sum(),
                        label=name, color=col, lw=0.8, alpha=0.8)
        ax.set_title(f"byte values, {title}")
        ax.set_xlim(0, 255)
        ax.set_ylabel("share")
    axes[1].set_xlabel("byte value")
    _save(fig, path)


def cdf_plot(path, model, caps, what, xlabel, logx=True):
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for (d, key, title), ax in zip(DIRS, axes):
        c = StepCDF(model[key][what])
        x = c.x
        ax.step(x, c(x), where="post", label="model", color="k", lw=1)
        for cap, name, col in caps:
            if cap is None:
                continue
            v = cap.lengths(d) if what == "length" else cap.per_second(d)
            _ecdf(ax, v, name, color=col, lw=1)
        if logx:
            ax.set_xscale("symlog")
        ax.set_title(f"{xlabel}, {title}")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("CDF")
    _save(fig, path)


def gaps_plot(path, caps):
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    bins = np.linspace(-7, 2, 46)
    for (d, key, title), ax in zip(DIRS, axes):
        for cap, name, col in caps:
            if cap is None:
                continue
            g = cap.gaps(d)
            g = np.log10(g[g > 0])
            if len(g):
                ax.hist(g, bins=bins, histtype="step", density=True,
                        label=f"{name} ({len(g)})", color=col)
        ax.set_title(f"gaps between segments, {title}")
        ax.set_xlabel("log10 seconds")
    _save(fig, path)


def first_plot(path, results):
    """Popcount and entropy of the first client segments."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for name, col, g, e in results:
        axes[0].hist(g["popcount"], bins=np.linspace(0, 8, 65),
                     histtype="step", label=name, color=col)
        axes[1].hist(e["entropy"], bins=np.linspace(0, 8, 65),
                     histtype="step", label=name, color=col)
    for x in (3.4, 4.6):
        axes[0].axvline(x, color="r", ls="--", lw=0.8)
    axes[0].set_title("first client segment: mean popcount per byte")
    axes[0].set_xlabel("bits set per byte (GFW blocks within the red lines)")
    axes[1].set_title("first client segment: Shannon entropy")
    axes[1].set_xlabel("bits per byte")
    for ax in axes:
        ax.set_ylabel("connections")
    _save(fig, path)
