#!/usr/bin/env python3
"""The cost model of a data-parallel step on N machines (docs/distributed.md).

Weak scaling, as Horovod reports it: every rank keeps its batch of 128, so the compute of a
step, T_c, stays what one rank measures whatever N is. The ranks then add the gradient slab of
S bytes. A ring allreduce (and Rabenseifner's reduce-scatter + allgather, which Backprop issues)
moves 2(N−1)/N · S bytes per rank over a link of B bytes/s, plus about 2·log2(N) message
latencies α:

    T_comm(bytes, N) = 2 (N − 1) / N · bytes / B + 2 log2(N) · α

Overlap: layer l's gradients are sent while layers l−1 … 1 are still computed. The backward
pass ends with layer 1, whose dW1 = dZ1 Xᵀ is most of the slab in an MLP whose input is wide
(784 × 256 of 235,146 parameters, 85%), so its bucket has nothing left to hide behind: the
exposed time is T_comm(layer 1) plus whatever of the other buckets outlasts layer 1's backward
(about 2·m·n₀·n₁ of the step's 6·m·P flops).

Usage: mpi_cost_model.py STEP_COMPUTE_MS   (T_c from `mpirun -np 1 backprop bench mpi`)
"""
import math
import sys

compute = float(sys.argv[1]) * 1e-3 if len(sys.argv) > 1 else 4.0e-3
sizes = [784, 256, 128, 10]
layers = [sizes[i] * sizes[i + 1] + sizes[i + 1] for i in range(len(sizes) - 1)]
parameters = sum(layers)
slab = 4 * parameters  # float32
first_backward = compute * (2 * sizes[0] * sizes[1]) / (6 * parameters)
links = [("10 Gb/s (α = 10 µs)", 10e9 / 8, 10e-6), ("100 Gb/s (α = 2 µs)", 100e9 / 8, 2e-6)]


def comm(nbytes, n, bandwidth, latency):
    return 2 * (n - 1) / n * nbytes / bandwidth + 2 * math.log2(n) * latency


print(f"MLP {'-'.join(map(str, sizes))}, float32: slab S = {slab:,} bytes ({parameters:,} parameters), "
      f"layer 1 = {100 * layers[0] / parameters:.1f}% of it; step compute T_c = {compute * 1e3:.2f} ms per rank")
print()
print("| link | N | sent per rank and step | T_comm | efficiency, blocking | efficiency, overlapped |")
print("|---|---|---|---|---|---|")
for name, bandwidth, latency in links:
    for n in [8, 64, 512]:
        total = comm(slab, n, bandwidth, latency)
        rest = comm(4 * sum(layers[1:]), n, bandwidth, latency)
        exposed = comm(4 * layers[0], n, bandwidth, latency) + max(0.0, rest - first_backward)
        print(f"| {name} | {n} | {2 * (n - 1) / n * slab / 1e6:.2f} MB | {total * 1e3:.2f} ms | "
              f"{100 * compute / (compute + total):.1f}% | {100 * compute / (compute + exposed):.1f}% |")
