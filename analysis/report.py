#!/usr/bin/python3
"""The detectability report that `dust model check` writes.

    report.py REPORT_DIR [MODEL_LABEL]

REPORT_DIR holds what the C side wrote: model.json (the loaded model's
weights and CDFs), observed.json (the connections of the capture checked)
and, with --against, against.json (the real protocol's connections).  It
gets report.md (the figures and tables), summary.json (the same numbers
for scripts and tests) and the plots (*.svg).
"""
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import classify  # noqa: E402
import entropy  # noqa: E402
import fit  # noqa: E402
import gfw  # noqa: E402
import plots  # noqa: E402
from capture import Capture  # noqa: E402


def fmt(x, nd=3):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, float):
        if x != 0 and (abs(x) < 10 ** -nd or abs(x) >= 1e6):
            return f"{x:.2e}"
        return f"{x:.{nd}f}"
    return str(x)


def pct(x):
    return "-" if x is None or math.isnan(x) else f"{100 * x:.1f}%"


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: report.py REPORT_DIR [MODEL_LABEL]")
    out = sys.argv[1]
    label = sys.argv[2] if len(sys.argv) > 2 else "model"
    with open(os.path.join(out, "model.json")) as f:
        model = json.load(f)
    obs = Capture(os.path.join(out, "observed.json"))
    ap = os.path.join(out, "against.json")
    against = Capture(ap) if os.path.exists(ap) else None
    for cap in (obs, against):
        if cap is not None and not cap.conns:
            sys.exit(f"{cap.name}: no connection carries data from the "
                     "client")

    s = {"model": label, "model_name": model["name"],
         "capture": obs.name, "connections": len(obs.conns),
         "against": against.name if against else None,
         "against_connections": len(against.conns) if against else None}
    s["tls_parse"] = obs.tls_share()
    s["ssh_parse"] = obs.ssh_share()
    if against is not None:
        s["against_tls_parse"] = against.tls_share()
        s["against_ssh_parse"] = against.ssh_share()
    s["fit"] = fit.evaluate(model, obs)
    s["gfw"] = gfw.evaluate(obs.conns)
    s["entropy"] = entropy.evaluate(obs.conns)
    if against is not None:
        s["against_gfw"] = gfw.evaluate(against.conns)
        s["against_entropy"] = entropy.evaluate(against.conns)
        s["against_fit"] = fit.evaluate(model, against)
        s["classifier"] = classify.evaluate(obs.conns, against.conns)
        s["classifier_untimed"] = classify.evaluate(
            obs.conns, against.conns, timing=False)
        s["classifier_structure"] = classify.evaluate(
            obs.conns, against.conns, timing=False, content=False)

    caps = [(obs, "observed", "C0")]
    if against is not None:
        caps.append((against, "against", "C1"))
    plots.bytes_plot(os.path.join(out, "bytes.svg"), model, obs, against)
    plots.cdf_plot(os.path.join(out, "lengths.svg"), model, caps, "length",
                   "payload bytes")
    plots.cdf_plot(os.path.join(out, "flow.svg"), model, caps, "flow",
                   "segments per second")
    plots.gaps_plot(os.path.join(out, "gaps.svg"), caps)
    firsts = [("observed", "C0", s["gfw"], s["entropy"])]
    if against is not None:
        firsts.append(("against", "C1", s["against_gfw"],
                       s["against_entropy"]))
    plots.first_plot(os.path.join(out, "first.svg"), firsts)

    with open(os.path.join(out, "report.md"), "w") as f:
        f.write(markdown(s))
    # The per-connection lists are in the plots; keep summary.json short.
    for k in ("gfw", "against_gfw"):
        s.get(k, {}).pop("popcount", None)
    for k in ("entropy", "against_entropy"):
        s.get(k, {}).pop("entropy", None)
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(s, f, indent=1, sort_keys=True)
    print(f"report: {os.path.join(out, 'report.md')}")
    print(f"  GFW rules: {pct(s['gfw']['exempt'])} of {s['gfw']['n']} "
          f"connections exempt ({pct(s['gfw']['blocked'])} blocked)")
    print(f"  entropy: {pct(s['entropy']['uniform'])} look uniform")
    print(f"  TLS 1.3 parse: {pct(s['tls_parse'])} of "
          f"{s['connections']} connections"
          + (f" (against: {pct(s['against_tls_parse'])} of "
             f"{s['against_connections']})" if against else ""))
    print(f"  SSH-2 parse: {pct(s['ssh_parse'])} of "
          f"{s['connections']} connections"
          + (f" (against: {pct(s['against_ssh_parse'])} of "
             f"{s['against_connections']})" if against else ""))
    if "classifier" in s and "auc" in s["classifier"]:
        c = s["classifier"]
        cu = s["classifier_untimed"]
        print(f"  classifier: AUC {c['auc']:.3f}, accuracy "
              f"{c['accuracy']:.3f} ({c['n_per_class']} per class); "
              f"without timing AUC {cu['auc']:.3f}; structure AUC "
              f"{s['classifier_structure']['auc']:.3f}")


def fit_rows(fr):
    rows = []
    for key, title in (("c2s", "client to server"),
                       ("s2c", "server to client")):
        d = fr[key]
        rows.append(f"| {title} | lengths | KS D = {fmt(d['length']['D'])}"
                    f", p = {fmt(d['length']['p'])} | "
                    f"{d['length']['n']} segments |")
        rows.append(f"| {title} | segments per second | KS D = "
                    f"{fmt(d['flow']['D'])}, p = {fmt(d['flow']['p'])} | "
                    f"{d['flow']['n']} seconds |")
        b = d["bytes"]
        if b.get("n"):
            rows.append(f"| {title} | bytes | chi2 = {fmt(b['chi2'], 1)} "
                        f"(dof {b['dof']}, p = {fmt(b['p'])}, chi2/byte = "
                        f"{fmt(b['chi2_per_byte'], 4)}), KL = "
                        f"{fmt(b['kl_bits'], 4)} bits/byte, "
                        f"{pct(b['zero_weight_share'])} on zero-weight "
                        f"values | {b['n']} bytes |")
    du = fr["duration"]
    rows.append(f"| connection | durations | KS D = {fmt(du['D'])}, p = "
                f"{fmt(du['p'])} | {du['n']} connections |")
    return rows


def markdown(s):
    a = s["against"] is not None
    L = [f"# Detectability report: {s['capture']}", "",
         f"Model: `{s['model']}` (name \"{s['model_name']}\").  Capture: "
         f"`{s['capture']}`, {s['connections']} connections carrying "
         "client data." + (f"  Real protocol (--against): `{s['against']}`"
                           f", {s['against_connections']} connections."
                           if a else ""), "",
         "Methods: analysis/*.py (docstrings) and docs/detectability.md.",
         "", "## Summary", "",
         "| figure | capture | " + ("against |" if a else ""),
         "| --- | --- | " + ("--- |" if a else "")]
    g, e = s["gfw"], s["entropy"]
    L.append(f"| GFW rules (Wu et al. 2023): exempt | {pct(g['exempt'])} |"
             + (f" {pct(s['against_gfw']['exempt'])} |" if a else ""))
    L.append(f"| GFW rules: blocked (not exempt) | {pct(g['blocked'])} |"
             + (f" {pct(s['against_gfw']['blocked'])} |" if a else ""))
    L.append(f"| entropy tests (Wang et al. 2015): first segment looks "
             f"uniform | {pct(e['uniform'])} |"
             + (f" {pct(s['against_entropy']['uniform'])} |" if a else ""))
    L.append(f"| parses as TLS 1.3 (ClientHello with server_name, server "
             f"flight) | {pct(s['tls_parse'])} |"
             + (f" {pct(s['against_tls_parse'])} |" if a else ""))
    L.append(f"| parses as SSH-2 (both starts, identification to NEWKEYS) "
             f"| {pct(s['ssh_parse'])} |"
             + (f" {pct(s['against_ssh_parse'])} |" if a else ""))
    c = s.get("classifier")
    cu = s.get("classifier_untimed")
    if c and "auc" in c:
        L.append(f"| classifier vs against: AUC (accuracy) | "
                 f"{fmt(c['auc'])} ({fmt(c['accuracy'])}) | |")
        L.append(f"| same without timing features: AUC (accuracy) | "
                 f"{fmt(cu['auc'])} ({fmt(cu['accuracy'])}) | |")
        cs = s["classifier_structure"]
        L.append(f"| same without timing nor first-segment byte "
                 f"statistics: AUC (accuracy) | "
                 f"{fmt(cs['auc'])} ({fmt(cs['accuracy'])}) | |")
    L += ["", "## Fit to the model", "",
          "One-sample Kolmogorov-Smirnov against the model's CDFs (p "
          "conservative for discrete models); chi-square and "
          "KL(observed || model) for bytes.", "",
          "| direction | what | statistic | sample |", "| --- | --- | --- "
          "| --- |"] + fit_rows(s["fit"])
    if a:
        L += ["", "The real protocol's capture against the same model:", "",
              "| direction | what | statistic | sample |",
              "| --- | --- | --- | --- |"] + fit_rows(s["against_fit"])
    L += ["", "![byte values](bytes.svg)", "",
          "![payload lengths](lengths.svg)", "",
          "![segments per second](flow.svg)", "", "![gaps](gaps.svg)", "",
          "## GFW fully-encrypted-traffic rules", "",
          "Wu et al., USENIX Security 2023, on each connection's first "
          "client data segment: exempt if popcount/byte <= 3.4 or >= 4.6 "
          "(Ex1), first 6 bytes printable (Ex2), > 50% printable (Ex3), "
          "> 20 contiguous printable (Ex4), TLS or HTTP start (Ex5).", "",
          "| rule | capture |" + (" against |" if a else ""),
          "| --- | --- |" + (" --- |" if a else "")]
    for r in ("Ex1", "Ex2", "Ex3", "Ex4", "Ex5"):
        L.append(f"| {r} | {pct(g['rules'][r])} |"
                 + (f" {pct(s['against_gfw']['rules'][r])} |" if a else ""))
    L.append(f"| **not exempt (blocked)** | **{pct(g['blocked'])}** |"
             + (f" {pct(s['against_gfw']['blocked'])} |" if a else ""))
    L += ["", "![first segments](first.svg)", "",
          "## Entropy tests", "",
          f"Per connection, on the first client segment: KS of byte values "
          f"against uniform, Shannon entropy and mean {entropy.BLOCK}-byte "
          f"block entropy against {entropy.SIMS} draws of uniform bytes of "
          f"the same length; a test passes at p > {entropy.ALPHA}.  Share "
          "of connections passing:", "",
          "| test | capture |" + (" against |" if a else ""),
          "| --- | --- |" + (" --- |" if a else "")]
    for t in ("ks", "shannon", "block", "uniform"):
        L.append(f"| {t if t != 'uniform' else '**all three (looks uniform)**'}"
                 f" | {pct(e[t])} |"
                 + (f" {pct(s['against_entropy'][t])} |" if a else ""))
    L += ["", "## Classifier", ""]
    if not a:
        L.append("No --against capture: no classifier.")
    elif "skipped" in c:
        L.append(f"Skipped: {c['skipped']}.")
    else:
        L += [f"Random forest (200 trees, random_state=0), stratified "
              f"{c['folds']}-fold cross-validation, {c['n_per_class']} "
              f"connections per class (features: analysis/features.py).",
              "", "| features | AUC | accuracy | most important |",
              "| --- | --- | --- | --- |"]
        for what, r in (("all", c), ("without timing (duration, gaps)",
                                     s["classifier_untimed"]),
                        ("without timing nor the first client segment's "
                         "entropy, printable share, popcount "
                         "(the connection's structure)",
                         s["classifier_structure"])):
            L.append(f"| {what} | **{fmt(r['auc'])}** | {fmt(r['accuracy'])}"
                     " | " + ", ".join(f"{n} ({w:.2f})"
                                       for n, w in r["top_features"]) + " |")
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    main()
