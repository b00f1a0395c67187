#!/usr/bin/env python3
"""Two Backprop builds side by side: the same `backprop bench` rows, alternating old and new
(old, new, old, new, ...) so background load hits both alike, with each row's median and the
ratio old/new (above 1: the new build is faster; for throughput rows the ratio is new/old).

Usage (from the repository root, after building both in release):
  python3 Benchmarks/versus.py OLD_BINARY NEW_BINARY [--rounds 5] [--threads 2]
"""
import argparse
import os
import re
import statistics
import subprocess

ROWS = [
    # (label, arguments, RESULT filter, key, unit, lower is better)
    ("MLP epoch, SGD, f32", ["mlp", "--optimizer", "sgd", "--repeats", "3"], {}, "epoch_seconds", "s", True),
    ("MLP epoch, Adam, f32", ["mlp", "--optimizer", "adam", "--repeats", "3"], {}, "epoch_seconds", "s", True),
    ("course network 2-4-1, per step", ["planar", "--repeats", "3"], {}, "us_per_step", "µs", True),
    ("inference batch 1", ["infer"], {"batch": "1"}, "us_per_call", "µs", True),
    ("inference batch 1024", ["infer"], {"batch": "1024"}, "examples_per_second", "examples/s", False),
]


def measure(binary, arguments, where, key, env):
    out = subprocess.run([binary, "bench"] + arguments, capture_output=True, text=True, env=env)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            fields = dict(re.findall(r"(\w+)=(\S+)", line))
            if all(fields.get(k) == v for k, v in where.items()):
                return float(fields[key])
    raise SystemExit(f"{binary} bench {' '.join(arguments)} printed no {key}: {out.stderr.strip()[:300]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    env = dict(os.environ, BACKPROP_THREADS=str(args.threads))
    print(f"| work | old | new | old/new | runs (old; new) |")
    print(f"|---|---|---|---|---|")
    for label, arguments, where, key, unit, lower in ROWS:
        old, new = [], []
        for _ in range(args.rounds):
            old.append(measure(args.old, arguments, where, key, env))
            new.append(measure(args.new, arguments, where, key, env))
        a, b = statistics.median(old), statistics.median(new)
        ratio = a / b if lower else b / a
        runs = ", ".join(f"{x:g}" for x in old) + "; " + ", ".join(f"{x:g}" for x in new)
        print(f"| {label} | {a:g} {unit} | {b:g} {unit} | {ratio:.3f} | {runs} |", flush=True)


if __name__ == "__main__":
    main()
