#!/usr/bin/env python3
"""Replays the command-line fuzzers' findings against the real `backprop` binary, run by .ci/run.

Each `Fuzz/Findings/*.bin` is a `FuzzCommandLine` input (see Fuzz/README.md): one argument a
line, then optionally a NUL byte and a file's bytes. `@FILE<suffix>` becomes a file holding
those bytes, `@OUT<suffix>` and `@DIR` absent paths in a fresh folder, and `@MODEL`, `@CKPT`,
`@ADAMMODEL`, `@ADAMCKPT`, `@NPZMODEL`, `@XNPY`, `@YNPY` the fuzzers' fixtures, made here the
same way (a FuzzCheckpointResume finding is kept in this form too: `train --resume
@FILE.safetensors …` and the edited checkpoint's bytes).

The rule: the command ends within a minute (under a 4 GB address-space limit), not by a signal or a status >= 128, and either
succeeds or prints exactly one stderr line starting with "Error:" (ArgumentParser's usage block
may follow it; `check` keeps its compiler-style parse errors, status 2). Files named
`known-*.bin` are findings in code this script's owner does not maintain: they print a 'known'
line and are not counted until they pass (then drop the prefix).

Prints 'N passed, M failed' and exits non-zero on any failure.
Usage: check_fuzz_findings.py PATH_TO_BACKPROP_BINARY [FINDINGS_FOLDER]
"""
import os
import re
import resource
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tally import Tally  # noqa: E402

BINARY = os.path.abspath(sys.argv[1])
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FOLDER = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "Fuzz", "Findings")
TALLY = Tally()
CRASH_MARKERS = ["Fatal error", "Program crashed", "Stack dump", "Illegal instruction", "Segmentation fault",
                 "Current stack trace", "Crashed thread", "SIGSEGV", "SIGILL", "SIGTRAP", "Aborted"]


def limit_memory():
    """4 GB of address space: a finding that allocates what an input claims fails here, at once."""
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def run(args, cwd):
    env = dict(os.environ, SWIFT_BACKTRACE="enable=no")
    try:
        p = subprocess.run([BINARY] + args, cwd=cwd, env=env, capture_output=True, text=True, errors="replace",
                           timeout=60, preexec_fn=limit_memory)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return None, "", "timed out after 60 s"


def fixtures(folder):
    """The fuzzers' fixtures (FuzzSupport/Fixtures.swift), made the same way."""
    paths = {}
    os.makedirs(folder)
    for name, extra in [("sgd", []), ("adam", ["--optimizer", "adam", "--learning-rate", "0.01", "--batch-size", "64", "--units", "3"])]:
        run_folder = os.path.join(folder, name)
        status, _, err = run(["train", "--data", "moons", "--epochs", "3", "--output-dir", run_folder] + extra, folder)
        assert status == 0, err
        prefix = "@ADAM" if name == "adam" else "@"
        paths[prefix + "MODEL"] = os.path.join(run_folder, "model.safetensors")
        paths[prefix + "CKPT"] = os.path.join(run_folder, "checkpoint.safetensors")
    rng = np.random.default_rng(3)
    course = os.path.join(folder, "course.npz")
    np.savez(course, W1=rng.normal(size=(4, 2)), b1=np.zeros((4, 1)), W2=rng.normal(size=(1, 4)), b2=np.zeros((1, 1)))
    paths["@NPZMODEL"] = course
    x, y = os.path.join(folder, "x.npy"), os.path.join(folder, "y.npy")
    np.save(x, rng.normal(size=(2, 8)))
    np.save(y, (rng.random((1, 8)) > 0.5).astype(np.float64))
    paths["@XNPY"], paths["@YNPY"] = x, y
    return paths


def decode(data, work, fixture_paths):
    head, _, file_bytes = data.partition(b"\0")
    lines = head.decode("utf-8", "replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    tokens = sorted(fixture_paths, key=len, reverse=True)
    args = []
    for line in lines:
        def replace(m):
            kind, suffix = m.group(1), m.group(2) or ""
            if kind is None:  # @DIR
                return os.path.join(work, "out")
            path = os.path.join(work, ("in" if kind == "@FILE" else "out") + suffix)
            if kind == "@FILE":
                with open(path, "wb") as f:
                    f.write(file_bytes)
            return path
        line = re.sub(r"(@FILE|@OUT)([A-Za-z0-9._-]{0,12})|@DIR", replace, line)
        for token in tokens:
            line = line.replace(token, fixture_paths[token])
        args.append(line)
    return args


def main():
    names = sorted(n for n in os.listdir(FOLDER) if n.endswith(".bin")) if os.path.isdir(FOLDER) else []
    known = 0
    with tempfile.TemporaryDirectory() as scratch:
        fixture_paths = fixtures(os.path.join(scratch, "fixtures"))
        for i, name in enumerate(names):
            work = os.path.join(scratch, f"work{i}")
            os.makedirs(work)
            with open(os.path.join(FOLDER, name), "rb") as f:
                args = decode(f.read(), work, fixture_paths)
            status, out, err = run(args, work)
            lines = [l for l in err.splitlines() if l.strip()]
            crashed = status is None or status < 0 or status >= 128 or any(m in out + err for m in CRASH_MARKERS)
            parse_error = args[:1] == ["check"] and status == 2
            clean = not crashed and (status == 0 or parse_error or (lines and lines[0].startswith("Error:")
                                     and (status == 64 or len(lines) == 1)))
            detail = f"status {status}: {(lines[0] if lines else out[-200:])[:300]}"
            if name.startswith("known-") and not clean:
                known += 1
                print(f"known {name} {detail}")
            else:
                TALLY.check(name, clean, detail)
    TALLY.finish(f" ({known} known)" if known else "")


main()
