#!/usr/bin/env python3
"""Data-parallel training on Open MPI (`mpirun … backprop train`), run by .ci/run.

  * Exactness: for N = 1, 2, 3, 4 ranks and each option set (SGD, Adam with L2 and the absorbed
    convention, momentum with dropout, batch norm with Adam, accumulation), in float64, with a
    global batch that no N divides and a smaller last batch, the final parameters equal a
    single process's with the same global batch: max |Δ| / max |θ| per tensor ≤ 1e-12.
    The table of measured differences is printed.
  * Bit for bit: one rank equals one process; N ranks of one thread with --reduce rank-order
    equal one process with --threads N whose batches are split into the same N shards.
  * --accumulate K equals a K times larger batch (also with dropout and an uneven last window),
    on one process and on 3 ranks.
  * Rank 0 owns the outputs: one banner, one run folder; an N-rank checkpoint resumes on a
    different rank count and on one process, and ends where an uninterrupted run ends.
  * Faults: a rank killed with -9 ends the job within seconds with a non-zero status and a
    message naming the dead rank; ranks started with different seeds or options are refused
    at start naming the rank (drifting parameters are caught by a test in Swift, with a stand-in
    reducer: every rank applies the same reduced gradient, so only a faulty rank drifts); Ctrl-C on mpirun
    leaves a checkpoint that resumes; without a loadable MPI, --distributed is a one-line error
    naming what was tried; `backprop info` names the MPI library.

Prints 'N passed, M failed' and exits non-zero on any failure.
Usage: check_mpi.py PATH_TO_BACKPROP_BINARY
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
from safetensors.numpy import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tally import Tally  # noqa: E402

BINARY = os.path.abspath(sys.argv[1])
TALLY = Tally()
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")
for name in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"]:
    ENV.pop(name, None)
TMP = tempfile.mkdtemp(prefix="backprop-mpi-")
# 400 moons; a global batch of 70 leaves a last batch of 50; neither is divisible by 3 or 4.
BASE = ["train", "--data", "moons", "--precision", "double", "--epochs", "4", "--batch-size", "70",
        "--threads", "1", "--seed", "5"]


def mpirun(n, args, timeout=240, extra=()):
    return subprocess.run(["mpirun", "--oversubscribe", *extra, "-np", str(n), BINARY, *args],
                          capture_output=True, text=True, env=ENV, timeout=timeout)


def single(args, timeout=240, env=None):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, env=env or ENV, timeout=timeout)


def params(folder, name="model.safetensors"):
    return load_file(os.path.join(folder, name))


def relative(a, b):
    """max over tensors of max|a − b| / max|b| (running statistics and counts included)."""
    worst = 0.0
    for key in b:
        x, y = a[key].astype(np.float64), b[key].astype(np.float64)
        scale = max(np.max(np.abs(y)), 1e-300)
        worst = max(worst, float(np.max(np.abs(x - y))) / scale)
    return worst


def identical(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def folder(*parts):
    return os.path.join(TMP, "-".join(parts))


OPTIONS = {
    "sgd": ["--units", "8", "--hidden", "tanh", "--optimizer", "sgd", "--learning-rate", "0.5"],
    "adam+l2+absorbed": ["--units", "8,6", "--hidden", "relu", "--optimizer", "adam", "--learning-rate", "0.01",
                         "--l2", "0.7", "--convention", "absorbed"],
    "momentum+dropout": ["--units", "16", "--hidden", "relu", "--optimizer", "momentum", "--learning-rate", "0.1",
                         "--keep-probability", "0.8"],
    "batchnorm+adam": ["--units", "8", "--hidden", "relu", "--batch-norm", "--optimizer", "adam",
                       "--learning-rate", "0.01"],
    # Validation split across the ranks and reduced; early stopping reads its loss.
    "validation+patience": ["--units", "8", "--hidden", "relu", "--optimizer", "adam", "--learning-rate", "0.05",
                            "--validation-split", "0.25", "--patience", "2", "--epochs", "12"],
    # A last batch of 2 examples: on 3 and 4 ranks some ranks hold none of it.
    "last batch of 2": ["--units", "8", "--hidden", "relu", "--batch-size", "398", "--batch-norm"],
}


def exactness():
    print("ranks × options → max relative difference of the final parameters from one process (float64)")
    table = []
    for name, options in OPTIONS.items():
        reference_dir = folder("single", name)
        r = single(BASE + options + ["--output-dir", reference_dir])
        if not TALLY.check(f"single process, {name}", r.returncode == 0, r.stderr[-500:]):
            continue
        reference = params(reference_dir)
        row = []
        for n in [1, 2, 3, 4]:
            out = folder(f"np{n}", name)
            r = mpirun(n, BASE + options + ["--output-dir", out])
            if not TALLY.check(f"mpirun -np {n}, {name} trains", r.returncode == 0, r.stderr[-800:]):
                row.append(float("nan"))
                continue
            d = relative(params(out), reference)
            row.append(d)
            TALLY.check(f"mpirun -np {n}, {name}: max relative difference {d:.2e} ≤ 1e-12", d <= 1e-12)
            if n == 1:
                TALLY.check(f"mpirun -np 1, {name}: bit for bit one process", identical(params(out), reference))
        table.append((name, row))
    print(f"  {'options':<20} " + " ".join(f"{'N=' + str(n):>9}" for n in [1, 2, 3, 4]))
    for name, row in table:
        print(f"  {name:<20} " + " ".join(f"{d:9.1e}" for d in row))


def float32():
    options = ["--units", "16", "--hidden", "relu", "--optimizer", "adam", "--learning-rate", "0.01",
               "--precision", "float"]
    reference_dir = folder("float-single")
    single(BASE + options + ["--output-dir", reference_dir])
    out = folder("float-np3")
    r = mpirun(3, BASE + options + ["--output-dir", out])
    if TALLY.check("float32 on 3 ranks trains", r.returncode == 0, r.stderr[-500:]):
        d = relative(params(out), params(reference_dir))
        TALLY.check(f"float32 on 3 ranks: max relative difference {d:.1e} ≤ 1e-5 (float rounding)", d <= 1e-5)


def bit_for_bit():
    # Wide enough (66k parameters) that one process splits every batch (70 and the last 50)
    # into N thread shards, as N ranks split it.
    options = ["--units", "256,256", "--hidden", "relu", "--optimizer", "adam", "--learning-rate", "0.001",
               "--keep-probability", "0.9", "--epochs", "2"]
    for n in [2, 3]:
        reference_dir = folder("threads", str(n))
        r = single(BASE + options + ["--output-dir", reference_dir, "--threads", str(n)])
        if not TALLY.check(f"one process, --threads {n}", r.returncode == 0, r.stderr[-500:]):
            continue
        out = folder("rankorder", str(n))
        r = mpirun(n, BASE + options + ["--output-dir", out, "--reduce", "rank-order"])
        if not TALLY.check(f"mpirun -np {n} --reduce rank-order", r.returncode == 0, r.stderr[-800:]):
            continue
        a, b = params(out), params(reference_dir)
        TALLY.check(f"{n} ranks in rank order are bit for bit one process with {n} thread shards "
                    f"(max relative difference {relative(a, b):.1e})", identical(a, b))


def ranks_times_threads():
    # Threads inside each rank keep splitting its share: 2 ranks × 2 threads on a network wide
    # enough to be sharded, against one process on one thread.
    options = ["--units", "256,256", "--hidden", "relu", "--optimizer", "adam", "--learning-rate", "0.001", "--epochs", "2"]
    reference_dir = folder("rxt-single")
    r = single(BASE + options + ["--output-dir", reference_dir])
    out = folder("rxt")
    r2 = mpirun(2, BASE + options + ["--output-dir", out, "--threads", "2"])
    if TALLY.check("2 ranks × 2 threads train", r.returncode == 0 and r2.returncode == 0, r.stderr[-300:] + r2.stderr[-300:]):
        d = relative(params(out), params(reference_dir))
        TALLY.check(f"2 ranks × 2 threads equal one process on 1 thread: {d:.1e} ≤ 1e-12", d <= 1e-12)


def accumulation():
    for name, extra in [("sgd", OPTIONS["sgd"]), ("momentum+dropout", OPTIONS["momentum+dropout"])]:
        big = folder("acc-big", name)
        r = single(BASE + extra + ["--batch-size", "70", "--output-dir", big])
        if not TALLY.check(f"batch 70, {name}", r.returncode == 0, r.stderr[-500:]):
            continue
        for k, b, ranks in [(2, 35, 1), (7, 10, 1), (2, 35, 3), (3, 24, 1)]:
            # 3 × 24 = 72, not 70: compared with its own larger batch below.
            reference = big
            if k * b != 70:
                reference = folder("acc-big72", name)
                r = single(BASE + extra + ["--batch-size", str(k * b), "--output-dir", reference])
                TALLY.check(f"batch {k * b}, {name}", r.returncode == 0, r.stderr[-300:])
            out = folder("acc", name, str(k), str(b), str(ranks))
            args = BASE + extra + ["--batch-size", str(b), "--accumulate", str(k), "--output-dir", out]
            r = single(args) if ranks == 1 else mpirun(ranks, args)
            if not TALLY.check(f"--accumulate {k} --batch-size {b} on {ranks} rank(s), {name}", r.returncode == 0, r.stderr[-500:]):
                continue
            d = relative(params(out), params(reference))
            TALLY.check(f"--accumulate {k} × batch {b} ({ranks} rank(s), {name}) equals batch {k * b}: {d:.1e} ≤ 1e-12", d <= 1e-12)
    r = single(BASE + ["--accumulate", "2", "--batch-size", "0"])
    TALLY.check("--accumulate with --batch-size 0 is one Error: line", r.returncode != 0 and r.stderr.count("Error:") == 1, r.stderr)
    r = single(["train", "--data", "moons", "--accumulate", "3", "--epochs", "1"])
    TALLY.check("--accumulate without --batch-size is refused naming both",
                r.returncode != 0 and "--accumulate" in r.stderr and "--batch-size" in r.stderr, r.stderr)
    r = single(["train", "--data", "moons", "--accumulate", "0", "--batch-size", "10", "--epochs", "1"])
    TALLY.check("--accumulate 0 is refused", r.returncode != 0 and "--accumulate" in r.stderr, r.stderr)


def outputs_and_resume():
    options = OPTIONS["adam+l2+absorbed"]
    out = folder("rank0")
    r = mpirun(3, BASE + options + ["--output-dir", out, "--epochs", "2"])
    if not TALLY.check("3 ranks train 2 epochs", r.returncode == 0, r.stderr[-500:]):
        return
    TALLY.check("one banner from rank 0 only", r.stdout.count("run folder") == 1, r.stdout[:500])
    TALLY.check("the banner says it is distributed over 3 ranks and how each batch is split",
                "distributed: 3 rank(s)" in r.stdout and "23/23/24" in r.stdout, r.stdout[:800])
    checkpoint = os.path.join(out, "checkpoint.safetensors")
    reference_dir = folder("resume-reference")
    single(BASE + options + ["--output-dir", reference_dir, "--epochs", "5"])
    reference = params(reference_dir)
    for ranks in [1, 2, 4]:
        resumed = folder("resumed", str(ranks))
        args = ["train", "--resume", checkpoint, "--data", "moons", "--precision", "double", "--epochs", "5",
                "--threads", "1", "--output-dir", resumed]
        r = single(args) if ranks == 1 else mpirun(ranks, args)
        if not TALLY.check(f"the 3-rank checkpoint resumes on {ranks} rank(s)", r.returncode == 0, r.stderr[-500:]):
            continue
        d = relative(params(resumed), reference)
        TALLY.check(f"3 ranks × 2 epochs, then {ranks} rank(s) × 3, ends on one process's 5 epochs: {d:.1e} ≤ 1e-12", d <= 1e-12)


def faults():
    # A rank killed with -9.
    out = folder("kill")
    args = BASE + ["--units", "64", "--epochs", "100000", "--batch-size", "10", "--output-dir", out]
    job = subprocess.Popen(["mpirun", "--oversubscribe", "-np", "3", BINARY, *args], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, env=ENV)
    victims = []
    for _ in range(100):
        time.sleep(0.1)
        found = subprocess.run(["pgrep", "-f", f"backprop train.*{out}"], capture_output=True, text=True).stdout.split()
        victims = [int(p) for p in found if int(p) != job.pid]
        if len(victims) == 3 and os.path.exists(os.path.join(out, ".backprop-run.lock")):
            break
    time.sleep(1.5)
    killed_at = time.monotonic()
    if victims:
        os.kill(sorted(victims)[1], signal.SIGKILL)
    try:
        text, _ = job.communicate(timeout=30)
        seconds = time.monotonic() - killed_at
        TALLY.check(f"a rank killed with -9 ends the job in {seconds:.1f} s (≤ 10 s), non-zero",
                    seconds <= 10 and job.returncode != 0, f"status {job.returncode}")
        TALLY.check("the launcher's message names the killed rank and its signal",
                    "exited on signal 9" in text and "rank" in text, text[-600:])
    except subprocess.TimeoutExpired:
        job.kill()
        TALLY.check("a rank killed with -9 ends the job (it hung for 30 s)", False)
    # Ranks started differently (MPMD: one rank with another seed, then with another learning rate).
    for what, change, expected in [("seed", ["--seed", "6"], "initial parameters"),
                                   ("learning rate", ["--learning-rate", "0.2"], "training options")]:
        command = ["mpirun", "--oversubscribe", "-np", "2", BINARY, *BASE, *OPTIONS["sgd"], "--output-dir", folder("mismatch", what),
                   ":", "-np", "1", BINARY, *BASE, *OPTIONS["sgd"], *change, "--output-dir", folder("mismatch", what)]
        start = time.monotonic()
        r = subprocess.run(command, capture_output=True, text=True, env=ENV, timeout=60)
        errors = [line for line in r.stderr.splitlines() if line.startswith("Error:")]
        TALLY.check(f"a rank with a different {what} is refused at start in {time.monotonic() - start:.1f} s, naming rank 2",
                    r.returncode != 0 and errors and "rank 2 was started" in errors[0] and expected in errors[0], r.stderr[-600:])
    # Ctrl-C on mpirun.
    out = folder("interrupt")
    args = BASE + ["--units", "64", "--epochs", "100000", "--batch-size", "10", "--output-dir", out]
    job = subprocess.Popen(["mpirun", "--oversubscribe", "-np", "3", BINARY, *args], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, env=ENV)
    checkpoint = os.path.join(out, "checkpoint.safetensors")
    for _ in range(200):
        time.sleep(0.1)
        if os.path.exists(os.path.join(out, ".backprop-run.lock")):
            break
    time.sleep(2)
    job.send_signal(signal.SIGINT)
    try:
        text, _ = job.communicate(timeout=30)
        TALLY.check("Ctrl-C on mpirun: rank 0 says where the checkpoint is", "interrupted: checkpoint saved" in text, text[-600:])
        found = re.search(r"checkpoint saved at epoch (\d+)", text)
        epoch = int(found.group(1)) if found else 1
        r = single(["train", "--resume", checkpoint, "--data", "moons", "--precision", "double", "--epochs", str(epoch + 1),
                    "--threads", "1", "--output-dir", folder("interrupt-resumed")]) if os.path.exists(checkpoint) else None
        TALLY.check(f"the checkpoint left by Ctrl-C on mpirun (epoch {epoch}, mid-epoch) resumes to epoch {epoch + 1}",
                    r is not None and r.returncode == 0 and f"after {epoch + 1} epochs" in r.stdout,
                    (r.stderr[-400:] + r.stdout[-300:]) if r else "no checkpoint")
    except subprocess.TimeoutExpired:
        job.kill()
        TALLY.check("Ctrl-C on mpirun ends the job (it hung for 30 s)", False)
    # No MPI to load.
    env = dict(ENV, BACKPROP_MPI="/nonexistent/libmpi.so.40")
    r = single(["train", "--distributed", "--epochs", "1", "--output-dir", folder("nompi")], env=env)
    TALLY.check("--distributed without a loadable MPI is one Error: line naming the library",
                r.returncode != 0 and r.stderr.count("Error:") == 1 and "/nonexistent/libmpi.so.40" in r.stderr
                and not os.path.exists(folder("nompi")), r.stderr)
    r = single(["info"])
    TALLY.check("backprop info names the MPI library and its version", "Open MPI" in r.stdout and "mpi:" in r.stdout, r.stdout)
    r = single(["info"], env=env)
    TALLY.check("backprop info says when MPI cannot be loaded", r.returncode == 0 and "not available" in r.stdout, r.stdout)


exactness()
float32()
bit_for_bit()
ranks_times_threads()
accumulation()
outputs_and_resume()
faults()
TALLY.finish()
