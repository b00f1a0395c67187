#!/usr/bin/env python3
"""Backprop against its peers, side by side, on the same machine and in the same run.

Runs `backprop bench` and the peer scripts in ../shared/bench one after another, alternating
(Backprop, peer, Backprop, peer, ...) so background load hits both alike, and prints a table of
ratios (peer time / Backprop time: above 1 means Backprop is faster) from this single run.
PyTorch and JAX rows appear only when those packages are installed.

Usage (from the repository root, after `swift build -c release`):
  python3 Benchmarks/compare.py [--rounds 2] [--threads 2] [--only mlp,bn,conv,planar,infer,gemm,own]

"own" adds Backprop's figures that have no peer here: its MLP GFLOP/s against the SGEMM rate it
measures itself, Adam against SGD, inference, the built-in GEMM against the system BLAS (named,
with its own CPU detection), a gradient check, and peak memory.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# BACKPROP_BINARY runs another build (an earlier commit's, to measure a change side by side).
BACKPROP = os.environ.get("BACKPROP_BINARY") or os.path.join(ROOT, ".build", "release", "backprop")
BENCH = os.path.join(ROOT, "..", "shared", "bench")


def result(command, env=None):
    """Runs a command and returns the key=value pairs of its last RESULT line(s)."""
    out = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    if out.returncode != 0:
        print(f"  ! {' '.join(command)} failed: {out.stderr.strip()[:300]}", file=sys.stderr)
        return []
    rows = []
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            rows.append(dict(re.findall(r"(\w+)=(\S+)", line)))
    return rows


def have(module):
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", default="mlp,bn,conv,planar,infer,gemm,own")
    args = ap.parse_args()
    if not os.path.exists(BACKPROP):
        sys.exit("build first: swift build -c release")
    only = set(args.only.split(","))
    env = dict(os.environ, BACKPROP_THREADS=str(args.threads))
    peers_env = dict(os.environ)
    t = ["--threads", str(args.threads)]
    torch = have("torch")
    jax = have("jax")
    rows = []  # (work, peer, peer_value, backprop_value, unit, lower_is_better)

    def alternate(work, unit, ours, peer_name, theirs, pick_ours, pick_theirs, also=()):
        """Runs `ours` and `theirs` in turn, `--rounds` times, and adds a row per metric: `work`
        read by the two picks, then each (work, unit, pick_ours, pick_theirs) of `also`, read off
        the same runs (so a slow peer runs once a round for all of its rows)."""
        metrics = [(work, unit, pick_ours, pick_theirs)] + list(also)
        mine, peer = [[] for _ in metrics], [[] for _ in metrics]
        for _ in range(args.rounds):
            for r in result(ours, env):
                for i, (_, _, pick, _) in enumerate(metrics):
                    v = pick(r)
                    if v is not None:
                        mine[i].append(v)
            for r in result(theirs, peers_env):
                for i, (_, _, _, pick) in enumerate(metrics):
                    v = pick(r)
                    if v is not None:
                        peer[i].append(v)
        for (name, unit_i, _, _), m, q in zip(metrics, mine, peer):
            if not (m and q):
                continue
            rows.append((name, peer_name, statistics.median(q), statistics.median(m), unit_i))
            # GFLOP/s rows are kept as 1/rate (lower is better, like times); print them as rates.
            shown = (lambda x: 1 / x) if unit_i == "GFLOP/s" else (lambda x: x)
            spread = lambda xs: " ".join(f"{shown(x):.4g}" for x in xs)
            print(f"  {name:34s} {peer_name:8s} peer {shown(statistics.median(q)):10.4g}  backprop {shown(statistics.median(m)):10.4g} {unit_i}"
                  f"   (runs: peer {spread(q)}; backprop {spread(m)})", flush=True)

    py = sys.executable
    if "mlp" in only:
        for opt in ["sgd", "adam"]:
            ours = [BACKPROP, "bench", "mlp", "--optimizer", opt, "--repeats", "3"]
            alternate(f"MLP epoch 784-256-128-10 {opt} f32", "s", ours, "numpy",
                      [py, os.path.join(BENCH, "numpy_bench.py"), "--bench", "mlp", "--opt", opt, "--dtype", "float32"] + t,
                      lambda r: float(r["epoch_seconds"]), lambda r: float(r["epoch_s"]))
            if torch:
                alternate(f"MLP epoch 784-256-128-10 {opt} f32", "s", ours, "pytorch",
                          [py, os.path.join(BENCH, "torch_bench.py"), "--bench", "mlp", "--opt", opt] + t,
                          lambda r: float(r["epoch_seconds"]), lambda r: float(r["epoch_s"]))
            if jax:
                alternate(f"MLP epoch 784-256-128-10 {opt} f32", "s", ours, "jax",
                          [py, os.path.join(BENCH, "jax_bench.py"), "--bench", "mlp", "--opt", opt] + t,
                          lambda r: float(r["epoch_seconds"]), lambda r: float(r["epoch_s"]))
    if "bn" in only and torch:
        # The MLP with batch norm (training mode) after each hidden dense layer, which keeps its
        # bias as PyTorch's Linear does: torch_bench.py's "bnmlp".
        alternate("MLP + batch norm epoch sgd f32", "s", [BACKPROP, "bench", "bnmlp", "--repeats", "3"], "pytorch",
                  [py, os.path.join(BENCH, "torch_bench.py"), "--bench", "bnmlp", "--opt", "sgd"] + t,
                  lambda r: float(r["epoch_seconds"]), lambda r: float(r["epoch_s"]))
    if "conv" in only and torch:
        # The small MNIST CNN (conv 3×3×16, ReLU, max-pool 2, conv 3×3×32, ReLU, max-pool 2,
        # dense 10), batch 128, SGD, on 60,000 synthetic images: torch_bench.py's "cnn".
        ours = [BACKPROP, "bench", "conv", "--repeats", "2"]
        alternate("CNN epoch 16c3-p2-32c3-p2-10 sgd f32", "s", ours, "pytorch",
                  [py, os.path.join(BENCH, "torch_bench.py"), "--bench", "cnn", "--opt", "sgd", "--epochs", "2"] + t,
                  lambda r: float(r["epoch_seconds"]), lambda r: float(r["epoch_s"]),
                  also=[("CNN epoch peak memory f32", "MiB",
                         lambda r: float(r["peak_mib"]), lambda r: float(r["peak_rss_mib"]))])
    if "planar" in only:
        ours = [BACKPROP, "bench", "planar", "--repeats", "3"]
        alternate("course network 2-4-1, 10,000 steps f64", "s", ours, "numpy",
                  [py, os.path.join(BENCH, "numpy_bench.py"), "--bench", "planar"] + t,
                  lambda r: float(r["seconds"]), lambda r: float(r["total_s"]))
        if torch:
            alternate("course network 2-4-1, 10,000 steps f64", "s", ours, "pytorch",
                      [py, os.path.join(BENCH, "torch_bench.py"), "--bench", "planar"] + t,
                      lambda r: float(r["seconds"]), lambda r: float(r["total_s"]))
    if "infer" in only and torch:
        alternate("inference batch 1 f32", "µs", [BACKPROP, "bench", "infer"], "pytorch",
                  [py, os.path.join(BENCH, "torch_bench.py"), "--bench", "infer"] + t,
                  lambda r: float(r["us_per_call"]) if r.get("batch") == "1" else None, lambda r: float(r["b1_us"]),
                  # Throughput as time per example (lower is better, like the other rows).
                  also=[("inference batch 1024 f32, per example", "µs",
                         lambda r: 1e6 / float(r["examples_per_second"]) if r.get("batch") == "1024" else None,
                         lambda r: 1e6 / float(r["b1024_ex_per_s"]))])
    if "gemm" in only:
        for n in ["512", "1024"]:
            alternate(f"SGEMM {n}", "GFLOP/s", [BACKPROP, "bench", "gemm", "--sizes", n, "--precision", "float"], "numpy",
                      [py, os.path.join(BENCH, "numpy_bench.py"), "--bench", "gemm", "--sizes", n] + t,
                      lambda r: 1 / float(r["gflops"]),
                      lambda r, n=n: 1 / float(r[f"sgemm_{n}"]) if f"sgemm_{n}" in r else None)

    own = []  # (what, value)
    if "own" in only:
        def first(command, key, environment=env, **match):
            for r in result(command, environment):
                if all(r.get(k) == v for k, v in match.items()) and key in r:
                    return float(r[key])
            return None
        # Each SGD epoch is set against an SGEMM 1024 run just after it (this guest's rate moves
        # by 2x within minutes), and the share is the median of the rounds' shares.
        sgd_runs, shares = [], []
        for _ in range(args.rounds):
            record = next((r for r in result([BACKPROP, "bench", "mlp", "--optimizer", "sgd", "--repeats", "3"], env)
                           if "epoch_seconds" in r), None)
            sgemm_run = first([BACKPROP, "bench", "gemm", "--sizes", "1024", "--precision", "float"], "gflops")
            if record and sgemm_run:
                seconds = float(record["epoch_seconds"])
                # The GEMM work of an epoch (forward, dW, and dA for layers 2 and 3), as the bench counts it.
                work = float(record.get("gemm_gflop", 60.43))
                sgd_runs.append(seconds)
                shares.append((work / seconds / sgemm_run, work / seconds, sgemm_run))
        adam_runs = [first([BACKPROP, "bench", "mlp", "--optimizer", "adam", "--repeats", "3"], "epoch_seconds") for _ in range(args.rounds)]
        if not shares or not any(adam_runs):
            sys.exit("compare.py: no MLP epoch or SGEMM run gave a result")
        sgd = statistics.median(sgd_runs)
        adam = statistics.median([x for x in adam_runs if x])
        share = statistics.median([x[0] for x in shares])
        listed = "; ".join(f"{r:.1f} against {g:.1f}" for _, r, g in shares)
        own.append((f"MLP SGD epoch: GEMM work ({work:.1f} GFLOP) rate",
                    f"{100 * share:.0f}% of its own SGEMM 1024 rate (median of rounds, GFLOP/s: {listed})"))
        own.append(("Adam epoch / SGD epoch", f"{adam / sgd:.2f} ({adam:.4f} s / {sgd:.4f} s)"))
        b1 = first([BACKPROP, "bench", "infer"], "us_per_call", batch="1")
        b1024 = first([BACKPROP, "bench", "infer"], "examples_per_second", batch="1024")
        own.append(("inference batch 1", f"{b1:.2f} µs per call"))
        own.append(("inference batch 1024", f"{b1024:,.0f} examples/s"))
        # The built-in GEMM against the system BLAS in both precisions, each pair run one after
        # the other. The BLAS is named (the default search may itself choose the built-in GEMM)
        # and left to its own detection of the CPU: an OPENBLAS_CORETYPE in the environment
        # (some images set Haswell for every program) would measure a core the CPU outgrew.
        blas_env = {k: v for k, v in env.items() if k != "OPENBLAS_CORETYPE"}
        if sys.platform.startswith("linux"):
            blas_env["BACKPROP_BLAS"] = "libopenblas.so.0"
        for precision, name in [("float", "SGEMM"), ("double", "DGEMM")]:
            gemm = [BACKPROP, "bench", "gemm", "--sizes", "1024", "--precision", precision]
            blas = first(gemm, "gflops", environment=blas_env) or first(gemm, "gflops")
            builtin = first(gemm, "gflops", environment=dict(env, BACKPROP_BLAS="builtin"))
            if blas and builtin:
                own.append((f"built-in GEMM (no BLAS), {name} 1024",
                            f"{builtin:.1f} GFLOP/s against the system BLAS's {blas:.1f} GFLOP/s (BLAS / built-in: {blas / builtin:.2f}×)"))
        check = first([BACKPROP, "bench", "gradcheck"], "ms_per_check")
        own.append(("gradient check, 4-8-6-3 network, 64 examples", f"{check:.3f} ms"))
        memory = (result([BACKPROP, "bench", "memory"], env) or [{}])[-1]
        peak, data = float(memory.get("peak_mib", 0)), float(memory.get("data_mib", 0))
        if peak and data:
            own.append(("peak memory, MNIST-size training epoch", f"{peak:.0f} MiB for {data:.0f} MiB of data (+{peak - data:.0f} MiB)"))
        for what, value in own:
            print(f"  {what}: {value}", flush=True)

    print("\n| work | peer | peer | Backprop | ratio (peer / Backprop) |")
    print("|---|---|---|---|---|")
    for work, peer, theirs, ours, unit in rows:
        if unit == "GFLOP/s":
            print(f"| {work} | {peer} | {1/theirs:.1f} GFLOP/s | {1/ours:.1f} GFLOP/s | {theirs/ours:.2f}× |")
        else:
            print(f"| {work} | {peer} | {theirs:.4g} {unit} | {ours:.4g} {unit} | {theirs/ours:.2f}× |")
    if own:
        print("\n| Backprop alone | measured |")
        print("|---|---|")
        for what, value in own:
            print(f"| {what} | {value} |")


if __name__ == "__main__":
    main()
