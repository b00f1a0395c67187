#!/usr/bin/env python3
"""Bad-input table for the `backprop` command, run by .ci/run.

Every subcommand is fed wrong flags, unknown flags, missing files, wrong shapes, wrong dtypes,
empty and truncated files, non-finite numbers and nonsense options. The rule each error case
must meet:

  * the exit status is non-zero and is not a crash: no death by signal, no status >= 128
    (130, Ctrl-C, is never expected here), and nothing on stdout or stderr that looks like a
    crash or a stack trace ("Fatal error", "Program crashed", "Stack dump", "Illegal
    instruction", "Segmentation fault", backtrace frames);
  * stderr holds exactly one line that starts with "Error:" and it is the first line;
  * a run-time error (status 1) prints nothing else on stderr; an argument error found by
    ArgumentParser (status 64) may follow its one Error: line with the usage block it prints
    ("Usage: ...", "  See '... --help' ...", "Help: ..." and indented continuation lines);
  * where the table gives one, the Error: line mentions the option or file at fault.

`check` keeps its documented statuses: 1 for a derivation with a wrong line, 2 for a file that
does not parse (its error is a compiler-style "FILE:LINE:COL: error: ..." line followed by the
source line and a caret). A few rows are inputs that are not errors (an int64 or uint8 .npy is
converted to floating point) and must succeed. Rows marked "known" are bugs in code this script's
owner does not maintain: they print a 'known' line and are not counted until they pass.

The guard section (issue 12) adds edited checkpoints (every metadata field corrupted, counts
that would overflow, NaN in weights and optimizer buffers), models with corrupt architecture,
standardisation and class-name fields (through evaluate, predict and export), non-finite weights
in every format (safetensors F64/F32, course .npz, checkpoints) through every command that loads
a model, schedules that would make NaN or negative rates, and derivation headers with unknown,
misspelt, repeated or invalid fields; every one must name the file (or flag) and the field.

Prints 'N passed, M failed' and exits non-zero on any failure.
Usage: check_bad_inputs.py PATH_TO_BACKPROP_BINARY
"""
import os
import re
import shutil
import struct
import subprocess
import sys

import tempfile
import time
import zipfile

import numpy as np
from safetensors.numpy import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tally import Tally  # noqa: E402  (the shared ok/FAIL tally beside this script)

BINARY = os.path.abspath(sys.argv[1])
TALLY = Tally()
check = TALLY.check
known = 0

CRASH_MARKERS = ["Fatal error", "Program crashed", "Stack dump", "Illegal instruction", "Segmentation fault",
                 "Current stack trace", "Crashed thread", "Backtrace", "Thread 0 crashed", "SIGSEGV", "SIGILL",
                 "SIGTRAP", "Aborted", "core dumped", "#0 0x", " at /"]




def run(args, cwd, env=None, timeout=120):
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    try:
        return subprocess.run([BINARY, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                              env=full_env, errors="replace")
    except subprocess.TimeoutExpired:
        return None


def crash_text(result):
    for marker in CRASH_MARKERS:
        if marker in result.stderr or marker in result.stdout:
            return marker
    return None


def verdict_error(result, mentions):
    """Why `result` does not meet the error rule, or None."""
    if result is None:
        return "hung (timed out)"
    rc = result.returncode
    if rc < 0 or rc >= 128:
        return f"crashed (status {rc})"
    marker = crash_text(result)
    if marker:
        return f"crash marker {marker!r}"
    if rc == 0:
        return "exited 0"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    if not lines:
        return f"status {rc} but nothing on stderr"
    if not lines[0].startswith("Error:"):
        return f"first stderr line is not 'Error:': {lines[0]!r}"
    errors = [line for line in lines if line.startswith("Error:")]
    if len(errors) != 1:
        return f"{len(errors)} Error: lines"
    rest = lines[1:]
    if rc == 64:
        allowed = ("Usage:", "  See '", "Help:", "  ", "\t")
        odd = [line for line in rest if not line.startswith(allowed)]
        if odd:
            return f"unexpected stderr after the Error: line: {odd[0]!r}"
    elif rest:
        return f"more than one stderr line: {rest[:3]!r}"
    for word in mentions:
        if word.lower() not in lines[0].lower():
            return f"Error: line does not mention {word!r}: {lines[0]!r}"
    return None


def verdict_ok(result):
    if result is None:
        return "hung (timed out)"
    if result.returncode != 0:
        return f"status {result.returncode}: {result.stderr.strip()[:300]}"
    marker = crash_text(result)
    return f"crash marker {marker!r}" if marker else None


def verdict_status(result, status, first_line_pattern):
    if result is None:
        return "hung (timed out)"
    if result.returncode != status:
        return f"status {result.returncode}, expected {status}: {result.stderr.strip()[:300]}"
    marker = crash_text(result)
    if marker:
        return f"crash marker {marker!r}"
    if first_line_pattern:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        if not lines or not re.match(first_line_pattern, lines[0]):
            return f"stderr does not start with {first_line_pattern!r}: {result.stderr[:200]!r}"
    return None


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------

def npy_bytes(array):
    path = os.path.join(tempfile.gettempdir(), f"bp-bad-{os.getpid()}.npy")
    np.save(path, array, allow_pickle=True)
    with open(path, "rb") as f:
        data = f.read()
    os.remove(path)
    return data


def write(path, data):
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def safetensors_raw(header_json, body=b"", claimed_length=None):
    header = header_json.encode()
    length = len(header) if claimed_length is None else claimed_length
    return struct.pack("<Q", length) + header + body


def make_fixtures(d):
    # A trained model and checkpoint for the 2-feature moons set.
    result = run(["train", "--data", "moons", "--units", "4", "--epochs", "3", "--learning-rate", "0.5",
                  "--output-dir", "run"], cwd=d)
    if result is None or result.returncode != 0:
        print(result.stdout if result else "", result.stderr if result else "timed out")
        sys.exit("could not train the fixture model")
    model = os.path.join(d, "run", "model.safetensors")
    checkpoint = os.path.join(d, "run", "checkpoint.safetensors")
    with open(model, "rb") as f:
        model_bytes = f.read()

    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 10))
    Y = (rng.random((1, 10)) > 0.5).astype(np.float64)
    np.save(os.path.join(d, "X.npy"), X)
    np.save(os.path.join(d, "Y.npy"), Y)
    np.save(os.path.join(d, "X_3rows.npy"), rng.standard_normal((3, 10)))
    np.save(os.path.join(d, "Y_2rows.npy"), np.vstack([Y, 1 - Y]))
    np.save(os.path.join(d, "Y_9cols.npy"), Y[:, :9])
    np.save(os.path.join(d, "X_int64.npy"), rng.integers(-3, 3, (2, 10)).astype(np.int64))
    np.save(os.path.join(d, "X_uint8.npy"), rng.integers(0, 255, (2, 10)).astype(np.uint8))
    np.save(os.path.join(d, "X_float32.npy"), X.astype(np.float32))
    np.save(os.path.join(d, "X_fortran.npy"), np.asfortranarray(X))
    np.save(os.path.join(d, "X_bigendian.npy"), X.astype(">f8"))
    np.save(os.path.join(d, "X_str.npy"), np.array([["a", "b"], ["c", "d"]]))
    np.save(os.path.join(d, "X_object.npy"), np.array([[1.0, "x"], [None, 2]], dtype=object), allow_pickle=True)
    np.save(os.path.join(d, "X_complex.npy"), X.astype(np.complex128))
    np.save(os.path.join(d, "X_3d.npy"), rng.standard_normal((2, 5, 2)))
    np.save(os.path.join(d, "X_scalar.npy"), np.float64(3.0))
    Xn = X.copy()
    Xn[1, 3] = np.nan
    np.save(os.path.join(d, "X_nan.npy"), Xn)
    Xi = X.copy()
    Xi[0, 0] = np.inf
    np.save(os.path.join(d, "X_inf.npy"), Xi)
    full = npy_bytes(X)
    write(os.path.join(d, "X_truncated.npy"), full[: len(full) - 17])
    write(os.path.join(d, "X_header_only.npy"), full[:40])
    write(os.path.join(d, "X_bad_magic.npy"), b"\x93NUMPX" + full[6:])
    write(os.path.join(d, "X_huge_shape.npy"), npy_header_claiming(full, "(200000000, 100000000)"))
    for name in ["empty.npy", "empty.csv", "empty.safetensors", "empty.npz", "empty.py"]:
        write(os.path.join(d, name), b"")

    # CSV data sets.
    write(os.path.join(d, "three.csv"), "a,b,c,label\n" + "".join(
        f"{rng.standard_normal():.3f},{rng.standard_normal():.3f},{rng.standard_normal():.3f},{i % 2}\n" for i in range(30)))
    write(os.path.join(d, "nan.csv"), "a,b,label\n1,2,0\n3,nan,1\n4,5,0\n6,7,1\n")
    write(os.path.join(d, "words.csv"), "a,b,label\n1,2,0\n3,hello,1\n4,5,0\n6,7,1\n")
    write(os.path.join(d, "header_only.csv"), "a,b,label\n")
    write(os.path.join(d, "ragged.csv"), "a,b,label\n1,2,0\n3,1\n4,5,0,9\n")
    write(os.path.join(d, "binary.csv"), bytes(range(256)) * 4)
    write(os.path.join(d, "one_class.csv"), "a,b,label\n1,2,0\n3,4,0\n")
    write(os.path.join(d, "inputs_nan.csv"), "1,2\n3,nan\n")
    write(os.path.join(d, "inputs_ragged.csv"), "1,2\n3\n")
    write(os.path.join(d, "inputs_3cols.csv"), "1,2,3\n4,5,6\n")
    write(os.path.join(d, "inputs_words.csv"), "x,y\n1,2\n3,abc\n")

    # NPZ data sets and models.
    np.savez(os.path.join(d, "good.npz"), X=X, Y=Y)
    np.savez(os.path.join(d, "noY.npz"), X=X)
    np.savez(os.path.join(d, "mismatch.npz"), X=X, Y=Y[:, :7])
    np.savez(os.path.join(d, "strings.npz"), X=np.array([["a"] * 10] * 2), Y=Y)
    np.savez(os.path.join(d, "int_data.npz"), X=rng.integers(0, 5, (2, 10)), Y=Y.astype(np.int64))
    np.savez(os.path.join(d, "nan_data.npz"), X=Xn, Y=Y)
    with open(os.path.join(d, "good.npz"), "rb") as f:
        npz = f.read()
    write(os.path.join(d, "truncated.npz"), npz[: len(npz) // 2])
    write(os.path.join(d, "not_zip.npz"), b"PK\x03\x04" + b"\x00" * 60)
    with zipfile.ZipFile(os.path.join(d, "bad_member.npz"), "w") as z:
        z.writestr("X.npy", b"not an npy file at all")
        z.writestr("Y.npy", npy_bytes(Y))
    np.savez(os.path.join(d, "params_noW.npz"), A=X)
    np.savez(os.path.join(d, "params_noB.npz"), W1=rng.standard_normal((4, 2)))
    np.savez(os.path.join(d, "params_badb.npz"), W1=rng.standard_normal((4, 2)), b1=np.zeros((3, 1)))
    np.savez(os.path.join(d, "params_chain.npz"), W1=rng.standard_normal((4, 2)), b1=np.zeros((4, 1)),
             W2=rng.standard_normal((1, 5)), b2=np.zeros((1, 1)))
    np.savez(os.path.join(d, "params_ok.npz"), W1=rng.standard_normal((4, 2)), b1=np.zeros((4, 1)),
             W2=rng.standard_normal((1, 4)), b2=np.zeros((1, 1)))

    # Model files that are not models.
    write(os.path.join(d, "csv_as_model.safetensors"), "a,b,label\n1,2,0\n3,4,1\n")
    shutil.copy(os.path.join(d, "three.csv"), os.path.join(d, "model.csv"))
    write(os.path.join(d, "truncated.safetensors"), model_bytes[: len(model_bytes) - 9])
    write(os.path.join(d, "header_cut.safetensors"), model_bytes[:40])
    write(os.path.join(d, "huge_header.safetensors"), struct.pack("<Q", 1 << 40) + b"{}")
    write(os.path.join(d, "bad_json.safetensors"), safetensors_raw("{not json}   "))
    write(os.path.join(d, "past_end.safetensors"), safetensors_raw(
        '{"0.weight":{"dtype":"F64","shape":[4,2],"data_offsets":[0,64000]}}', b"\x00" * 64))
    write(os.path.join(d, "huge_shape.safetensors"), safetensors_raw(
        '{"0.weight":{"dtype":"F64","shape":[100000000000,100000000000],"data_offsets":[0,64]}}', b"\x00" * 64))
    write(os.path.join(d, "int_dtype.safetensors"), safetensors_raw(
        '{"0.weight":{"dtype":"I64","shape":[4,2],"data_offsets":[0,64]}}', b"\x00" * 64))
    save_file({"0.weight": rng.standard_normal((4, 2)), "0.bias": np.zeros(4)}, os.path.join(d, "no_meta.safetensors"))
    bad_meta = {"sizes": "2,4,1", "activations": "tanh,sigmoid", "loss": "bce", "format": "backprop.sequential"}
    save_file({"0.weight": rng.standard_normal((4, 2)), "0.bias": np.zeros(4),
               "2.weight": rng.standard_normal((1, 5)), "2.bias": np.zeros(1)},
              os.path.join(d, "wrong_shape.safetensors"), metadata=bad_meta)
    W = rng.standard_normal((4, 2))
    W[0, 0] = np.nan
    save_file({"0.weight": W, "0.bias": np.zeros(4), "2.weight": rng.standard_normal((1, 4)), "2.bias": np.zeros(1)},
              os.path.join(d, "nan_weights.safetensors"), metadata=bad_meta)
    save_file({"0.weight": rng.standard_normal((4, 2)), "0.bias": np.zeros(4)},
              os.path.join(d, "bad_arch.safetensors"), metadata={"sizes": "2,x", "activations": "tanh", "loss": "bce"})

    # Derivation files.
    write(os.path.join(d, "syntax.py"), "dZ2 = A2 - Y\ndW2 = 1/m * np.dot(dZ2, A1.T\n")
    write(os.path.join(d, "wrong.py"), "dZ2 = A2 - Y\ndW2 = np.dot(dZ2, A1.T)\n")
    write(os.path.join(d, "binary.py"), bytes([0xFF, 0xFE, 0x00, 0x80]) * 10)
    os.mkdir(os.path.join(d, "empty_folder"))
    write(os.path.join(d, "afile"), "x")
    return model, checkpoint


def npy_header_claiming(full, shape):
    """An NPY file whose header claims `shape` but which holds the 20 doubles of X."""
    header_len = struct.unpack("<H", full[8:10])[0]
    header = full[10:10 + header_len].decode("latin1")
    header = re.sub(r"\(.*?\)", shape, header)
    header = header.rstrip() + " "
    while (10 + len(header) + 1) % 64:
        header += " "
    header += "\n"
    return full[:8] + struct.pack("<H", len(header)) + header.encode("latin1") + full[10 + header_len:]


# ---------------------------------------------------------------------------------------------
# The table: (name, arguments, expectation). Expectations: ("error", [words the Error: line must
# mention]), ("ok",), ("status", N, regex for the first stderr line or None).
# ---------------------------------------------------------------------------------------------

def table(model, checkpoint):
    M = ["--weights", model]
    tr = ["train", "--epochs", "2", "--output-dir", "out"]
    e = lambda *words: ("error", list(words))
    ok = ("ok",)
    return [
        # top level
        ("unknown subcommand", ["frobnicate"], e("frobnicate")),
        ("unknown top-level flag", ["--bogus"], e("--bogus")),
        # train: options
        ("train unknown flag", ["train", "--bogus"], e("--bogus")),
        ("train --epochs 0", tr + ["--epochs", "0"], e("--epochs")),
        ("train --epochs=-5", tr + ["--epochs=-5"], e("--epochs")),
        ("train --epochs abc", tr + ["--epochs", "abc"], e("--epochs")),
        ("train --batch-size -1", tr + ["--batch-size", "-1"], e("--batch-size")),
        ("train --batch-size=-1", tr + ["--batch-size=-1"], e("--batch-size")),
        ("train --batch-size 0", tr + ["--batch-size", "0"], e("--batch-size")),
        ("train --learning-rate nan", tr + ["--learning-rate", "nan"], e("--learning-rate")),
        ("train --learning-rate inf", tr + ["--learning-rate", "inf"], e("--learning-rate")),
        ("train --learning-rate 0", tr + ["--learning-rate", "0"], e("--learning-rate")),
        ("train --threads 0", tr + ["--threads", "0"], e("--threads")),
        ("train --checkpoint-every 0", tr + ["--checkpoint-every", "0"], e("--checkpoint-every")),
        ("train --log-every 0", tr + ["--log-every", "0"], e("--log-every")),
        ("train --limit 0", tr + ["--limit", "0"], e("--limit")),
        ("train --validation-split 1.5", tr + ["--validation-split", "1.5"], e("--validation-split")),
        ("train --test-split nan", tr + ["--test-split", "nan"], e("--test-split")),
        ("train --keep-probability 0", tr + ["--keep-probability", "0"], e("--keep-probability")),
        ("train --l2 nan", tr + ["--l2", "nan"], e("--l2")),
        ("train --patience 0", tr + ["--patience", "0"], e("--patience")),
        ("train --layers 2,x,1", tr + ["--layers", "2,x,1"], e("--layers")),
        ("train --layers 5", tr + ["--layers", "5"], e("--layers")),
        ("train --layers 2,,1", tr + ["--layers", "2,,1"], e("--layers")),
        ("train --layers 2,0,1", tr + ["--layers", "2,0,1"], e("--layers")),
        ("train --layers and --units", tr + ["--layers", "2,4,1", "--units", "4"], e("--layers")),
        ("train --units 0", tr + ["--units", "0"], e("--units")),
        ("train --units -3", tr + ["--units=-3"], e("--units")),
        ("train --hidden bogus", tr + ["--hidden", "bogus"], e("--hidden")),
        ("train --output bogus", tr + ["--output", "bogus"], e("--output")),
        ("train --loss ce with sigmoid", tr + ["--loss", "ce", "--output", "sigmoid"], e("--loss")),
        ("train --initializer bogus", tr + ["--initializer", "bogus"], e("--initializer")),
        ("train --optimizer bogus", tr + ["--optimizer", "bogus"], e("--optimizer")),
        ("train --schedule step:x", tr + ["--schedule", "step:x"], e("--schedule")),
        ("train --precision quad", tr + ["--precision", "quad"], e("--precision")),
        ("train --convention bogus", tr + ["--convention", "bogus"], e("--convention")),
        ("train --seed -1", tr + ["--seed=-1"], e("--seed")),
        # train: data
        ("train --data missing.csv", tr + ["--data", "missing.csv"], e("missing.csv")),
        ("train --data empty.csv (0 bytes)", tr + ["--data", "empty.csv"], e("empty.csv")),
        ("train --data CSV with only a header", tr + ["--data", "header_only.csv"], e("header_only.csv")),
        ("train --data CSV with a NaN", tr + ["--data", "nan.csv"], e()),
        ("train --data CSV with a word", tr + ["--data", "words.csv"], e("words.csv")),
        ("train --data ragged CSV", tr + ["--data", "ragged.csv"], e("ragged.csv")),
        ("train --data binary garbage .csv", tr + ["--data", "binary.csv"], e("binary.csv")),
        ("train --label no-such-column", tr + ["--data", "three.csv", "--label", "nope"], e("nope")),
        ("train --label 99", tr + ["--data", "three.csv", "--label", "99"], e("99")),
        ("train --data empty.npz (0 bytes)", tr + ["--data", "empty.npz"], e("empty.npz")),
        ("train --data truncated.npz", tr + ["--data", "truncated.npz"], e("truncated.npz")),
        ("train --data npz that is not a zip", tr + ["--data", "not_zip.npz"], e("not_zip.npz")),
        ("train --data npz member not NPY", tr + ["--data", "bad_member.npz"], e("bad_member.npz")),
        ("train --data npz without Y", tr + ["--data", "noY.npz"], e("noY.npz")),
        ("train --data npz X/Y column mismatch", tr + ["--data", "mismatch.npz"], e()),
        ("train --data npz of strings", tr + ["--data", "strings.npz"], e()),
        ("train --data npz with a NaN", tr + ["--data", "nan_data.npz"], e()),
        ("train --data npz of int64 (converted)", tr + ["--data", "int_data.npz", "--units", "3"], ok),
        ("train --data empty IDX folder", tr + ["--data", "empty_folder"], e("empty_folder")),
        ("train --layers 3,4,1 on 2-feature moons", tr + ["--data", "moons", "--layers", "3,4,1"], e()),
        ("train --output-dir under a file", ["train", "--epochs", "1", "--output-dir", "afile/run"], e("afile")),
        ("train --output-dir is a file", ["train", "--epochs", "1", "--output-dir", "afile"], e("afile")),
        ("train --output-dir in /proc", ["train", "--epochs", "1", "--output-dir", "/proc/backprop-run"], e("/proc/backprop-run")),
        # train: resume
        ("train --resume missing", tr + ["--resume", "nothing.safetensors"], e("nothing.safetensors")),
        ("train --resume empty file", tr + ["--resume", "empty.safetensors"], e("empty.safetensors")),
        ("train --resume a model (not a checkpoint)", tr + ["--data", "moons", "--resume", model], e("checkpoint")),
        ("train --resume truncated", tr + ["--resume", "truncated.safetensors"], e("truncated.safetensors")),
        ("train --resume other optimizer", tr + ["--data", "moons", "--optimizer", "adam", "--resume", checkpoint], e("sgd")),
        ("train --resume on data of other width", tr + ["--data", "three.csv", "--resume", checkpoint], e()),
        ("train --resume a CSV", tr + ["--resume", "three.csv"], e("three.csv")),
        # evaluate
        ("evaluate without --weights", ["evaluate", "--data", "moons"], e("--weights")),
        ("evaluate --weights missing", ["evaluate", "--weights", "nothing.safetensors"], e("nothing.safetensors")),
        ("evaluate --weights empty .safetensors", ["evaluate", "--weights", "empty.safetensors", "--data", "moons"], e("empty.safetensors")),
        ("evaluate --weights truncated", ["evaluate", "--weights", "truncated.safetensors", "--data", "moons"], e("truncated.safetensors")),
        ("evaluate --weights header cut short", ["evaluate", "--weights", "header_cut.safetensors", "--data", "moons"], e("header_cut.safetensors")),
        ("evaluate --weights CSV named .safetensors", ["evaluate", "--weights", "csv_as_model.safetensors", "--data", "moons"], e("csv_as_model.safetensors")),
        ("evaluate --weights model.csv", ["evaluate", "--weights", "model.csv", "--data", "moons"], e("model.csv")),
        ("evaluate --weights header claims 1 TB", ["evaluate", "--weights", "huge_header.safetensors", "--data", "moons"], e("huge_header.safetensors")),
        ("evaluate --weights header not JSON", ["evaluate", "--weights", "bad_json.safetensors", "--data", "moons"], e("bad_json.safetensors")),
        ("evaluate --weights offsets past end", ["evaluate", "--weights", "past_end.safetensors", "--data", "moons"], e("past_end.safetensors")),
        ("evaluate --weights shape claims 1e22", ["evaluate", "--weights", "huge_shape.safetensors", "--data", "moons"], e("huge_shape.safetensors")),
        ("evaluate --weights I64 dtype", ["evaluate", "--weights", "int_dtype.safetensors", "--data", "moons"], e("int_dtype.safetensors")),
        ("evaluate --weights without metadata", ["evaluate", "--weights", "no_meta.safetensors", "--data", "moons"], e("no_meta.safetensors")),
        ("evaluate --weights tensor of wrong shape", ["evaluate", "--weights", "wrong_shape.safetensors", "--data", "moons"], e("wrong_shape.safetensors")),
        ("evaluate --weights with NaN", ["evaluate", "--weights", "nan_weights.safetensors", "--data", "moons"], e("nan_weights.safetensors")),
        ("evaluate --weights bad sizes metadata", ["evaluate", "--weights", "bad_arch.safetensors", "--data", "moons"], e("bad_arch.safetensors")),
        ("evaluate --weights empty .npz", ["evaluate", "--weights", "empty.npz", "--data", "moons"], e("empty.npz")),
        ("evaluate --weights .npz without W1", ["evaluate", "--weights", "params_noW.npz", "--data", "moons"], e("W1")),
        ("evaluate --weights .npz W1 without b1", ["evaluate", "--weights", "params_noB.npz", "--data", "moons"], e("b1")),
        ("evaluate --weights .npz b1 of wrong size", ["evaluate", "--weights", "params_badb.npz", "--data", "moons"], e("params_badb.npz")),
        ("evaluate --weights .npz W2 not chaining", ["evaluate", "--weights", "params_chain.npz", "--data", "moons"], e("params_chain.npz")),
        ("evaluate --weights .npz --layers mismatch", ["evaluate", "--weights", "params_ok.npz", "--layers", "2,5,1", "--data", "moons"], e("--layers")),
        ("evaluate --weights .npz --hidden bogus", ["evaluate", "--weights", "params_ok.npz", "--hidden", "bogus", "--data", "moons"], e("--hidden")),
        ("evaluate model on 3-feature CSV", ["evaluate", *M, "--data", "three.csv"], e()),
        ("evaluate --data missing", ["evaluate", *M, "--data", "missing.csv"], e("missing.csv")),
        ("evaluate --precision quad", ["evaluate", *M, "--precision", "quad"], e("--precision")),
        # predict
        ("predict without --input", ["predict", *M], e("--input")),
        ("predict --input missing", ["predict", *M, "--input", "missing.npy"], e("missing.npy")),
        ("predict --input empty .npy", ["predict", *M, "--input", "empty.npy"], e("empty.npy")),
        ("predict --input truncated .npy", ["predict", *M, "--input", "X_truncated.npy"], e("X_truncated.npy")),
        ("predict --input .npy header only", ["predict", *M, "--input", "X_header_only.npy"], e("X_header_only.npy")),
        ("predict --input .npy bad magic", ["predict", *M, "--input", "X_bad_magic.npy"], e("X_bad_magic.npy")),
        ("predict --input .npy claiming 2e16 values", ["predict", *M, "--input", "X_huge_shape.npy"], e("X_huge_shape.npy")),
        ("predict --input 3 rows for a 2-input model", ["predict", *M, "--input", "X_3rows.npy"], e("--input")),
        ("predict --input 3-D .npy", ["predict", *M, "--input", "X_3d.npy"], e("X_3d.npy")),
        ("predict --input 0-D .npy", ["predict", *M, "--input", "X_scalar.npy"], e()),
        ("predict --input string dtype", ["predict", *M, "--input", "X_str.npy"], e("X_str.npy")),
        ("predict --input object dtype", ["predict", *M, "--input", "X_object.npy"], e("X_object.npy")),
        ("predict --input complex dtype", ["predict", *M, "--input", "X_complex.npy"], e("X_complex.npy")),
        ("predict --input with NaN", ["predict", *M, "--input", "X_nan.npy"], e("--input")),
        ("predict --input with Inf", ["predict", *M, "--input", "X_inf.npy"], e("--input")),
        ("predict --input int64 (converted)", ["predict", *M, "--input", "X_int64.npy"], ok),
        ("predict --input uint8 (converted)", ["predict", *M, "--input", "X_uint8.npy"], ok),
        ("predict --input float32 (converted)", ["predict", *M, "--input", "X_float32.npy"], ok),
        ("predict --input Fortran order", ["predict", *M, "--input", "X_fortran.npy"], ok),
        ("predict --input big-endian", ["predict", *M, "--input", "X_bigendian.npy"], ok),
        ("predict --input empty .csv", ["predict", *M, "--input", "empty.csv"], e("empty.csv")),
        ("predict --input CSV with NaN", ["predict", *M, "--input", "inputs_nan.csv"], e("--input")),
        ("predict --input ragged CSV", ["predict", *M, "--input", "inputs_ragged.csv"], e("inputs_ragged.csv")),
        ("predict --input CSV with a word", ["predict", *M, "--input", "inputs_words.csv"], e("inputs_words.csv")),
        ("predict --input 3-column CSV", ["predict", *M, "--input", "inputs_3cols.csv"], e("--input")),
        ("predict --input binary garbage .csv", ["predict", *M, "--input", "binary.csv"], e("binary.csv")),
        ("predict --input .txt", ["predict", *M, "--input", "afile"], e("afile")),
        ("predict --out in a missing folder", ["predict", *M, "--input", "X.npy", "--out", "no/such/dir/p.csv"], e("no/such/dir/p.csv")),
        ("predict --out .npy under a file", ["predict", *M, "--input", "X.npy", "--out", "afile/p.npy"], e("afile/p.npy")),
        ("predict --weights CSV named .safetensors", ["predict", "--weights", "csv_as_model.safetensors", "--input", "X.npy"], e("csv_as_model.safetensors")),
        # grads
        ("grads without --y", ["grads", *M, "--x", "X.npy"], e("--y")),
        ("grads --x missing", ["grads", *M, "--x", "missing.npy", "--y", "Y.npy"], e("missing.npy")),
        ("grads --x empty", ["grads", *M, "--x", "empty.npy", "--y", "Y.npy"], e("empty.npy")),
        ("grads --x 3 rows", ["grads", *M, "--x", "X_3rows.npy", "--y", "Y.npy"], e()),
        ("grads --y 2 rows", ["grads", *M, "--x", "X.npy", "--y", "Y_2rows.npy"], e()),
        ("grads --y 9 columns", ["grads", *M, "--x", "X.npy", "--y", "Y_9cols.npy"], e()),
        ("grads --y string dtype", ["grads", *M, "--x", "X.npy", "--y", "X_str.npy"], e("X_str.npy")),
        ("grads --x with NaN", ["grads", *M, "--x", "X_nan.npy", "--y", "Y.npy"], e("--x")),
        ("grads --l2 nan", ["grads", *M, "--x", "X.npy", "--y", "Y.npy", "--l2", "nan"], e("--l2")),
        ("grads --l2 -1", ["grads", *M, "--x", "X.npy", "--y", "Y.npy", "--l2=-1"], e("--l2")),
        ("grads --x int64 (converted)", ["grads", *M, "--x", "X_int64.npy", "--y", "Y.npy"], ok),
        ("grads --out under a file", ["grads", *M, "--x", "X.npy", "--y", "Y.npy", "--out", "afile/l.npz"], e("afile/l.npz")),
        ("grads --convention bogus", ["grads", *M, "--x", "X.npy", "--y", "Y.npy", "--convention", "bogus"], e("--convention")),
        # gradcheck
        ("gradcheck --layers 2", ["gradcheck", "--layers", "2"], e("--layers")),
        ("gradcheck --examples 0", ["gradcheck", "--examples", "0"], e("--examples")),
        ("gradcheck --epsilon 0", ["gradcheck", "--epsilon", "0"], e("--epsilon")),
        ("gradcheck --epsilon nan", ["gradcheck", "--epsilon", "nan"], e("--epsilon")),
        ("gradcheck --l2 nan", ["gradcheck", "--l2", "nan"], e("--l2")),
        ("gradcheck --data bogus", ["gradcheck", "--data", "bogus"], e("--data")),
        ("gradcheck --data flower with 3 inputs", ["gradcheck", "--data", "flower", "--layers", "3,4,1"], e("--data")),
        ("gradcheck --output bogus", ["gradcheck", "--output", "bogus"], e("--output")),
        ("gradcheck --loss bce with softmax", ["gradcheck", "--layers", "2,4,3", "--loss", "bce"], e("--loss")),
        ("gradcheck unknown flag", ["gradcheck", "--bogus"], e("--bogus")),
        # ledger
        ("ledger --examples 0", ["ledger", "--examples", "0"], e("--examples")),
        ("ledger --layers 0,1", ["ledger", "--layers", "0,1"], e("--layers")),
        ("ledger --precision half", ["ledger", "--precision", "half"], e("--precision")),
        ("ledger --hidden softmax", ["ledger", "--hidden", "softmax"], e("--hidden")),
        # check (own statuses: 1 wrong, 2 does not parse)
        ("check missing file", ["check", "missing.py"], e("missing.py")),
        ("check without a file", ["check"], e("file")),
        ("check a syntax error (status 2)", ["check", "syntax.py"], ("status", 2, r"syntax\.py:\d+:\d+: error: ")),
        ("check a wrong derivation (status 1)", ["check", "wrong.py", "--plain"], ("status", 1, None)),
        ("check an empty file", ["check", "empty.py"],
         ("known", "CheckCommand/DerivationChecker call a file with no lines 'correct' and exit 0", e("empty.py"))),
        ("check a binary file", ["check", "binary.py"], e("binary.py")),
        ("check --layers 2,x", ["check", "wrong.py", "--layers", "2,x"], e("--layers")),
        ("check --seeds 0", ["check", "wrong.py", "--seeds", "0"], e("--seeds")),
        ("check --hidden bogus", ["check", "wrong.py", "--hidden", "bogus"], e("--hidden")),
        # explain
        ("explain --layers 2", ["explain", "--layers", "2"], e("--layers")),
        ("explain --format pdf", ["explain", "--format", "pdf"], e("--format")),
        ("explain --convention bogus", ["explain", "--convention", "bogus"], e("--convention")),
        ("explain --dropout without hidden layer", ["explain", "--layers", "2,1", "--dropout"], e("--dropout")),
        # info and bench
        ("info unknown flag", ["info", "--bogus"], e("--bogus")),
        ("info with BACKPROP_BLAS missing", ["info"], e("BACKPROP_BLAS"), {"BACKPROP_BLAS": "/nonexistent/libblas.so"}),
        ("bench bogus", ["bench", "bogus"], e("bogus")),
        ("bench gemm --sizes 0", ["bench", "gemm", "--sizes", "0"], e("--sizes")),
        ("bench gemm --sizes x", ["bench", "gemm", "--sizes", "x"], e("--sizes")),
        ("bench --threads 0", ["bench", "gemm", "--sizes", "8", "--threads", "0"], e("--threads")),
        ("bench --repeats 0", ["bench", "gemm", "--sizes", "8", "--repeats", "0"], e("--repeats")),
    ]


# ---------------------------------------------------------------------------------------------
# Guard cases (issue 12: corrupted metadata of checkpoints and models, non-finite weights in
# every format, bad schedules, bad derivation headers). Kept in one section so other additions
# merge beside it.
# ---------------------------------------------------------------------------------------------

CORRECT_DERIVATION = """dZ2 = A2 - Y
dW2 = 1/m * np.dot(dZ2, A1.T)
db2 = 1/m * np.sum(dZ2, axis=1, keepdims=True)
dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
dW1 = 1/m * np.dot(dZ1, X.T)
db1 = 1/m * np.sum(dZ1, axis=1, keepdims=True)
"""

CORRECT_BATCH_NORM_DERIVATION = """dZ2 = A2 - Y
dW2 = 1/m * np.dot(dZ2, A1.T)
dZtilde1 = np.dot(W2.T, dZ2) * (1 - A1 ** 2)
dgamma1 = 1/m * np.sum(dZtilde1 * Zhat1, axis=1, keepdims=True)
dZ1 = gamma1 / (m * np.sqrt(var1 + eps)) * (m * dZtilde1 - np.sum(dZtilde1, axis=1, keepdims=True) - Zhat1 * np.sum(dZtilde1 * Zhat1, axis=1, keepdims=True))
dW1 = 1/m * np.dot(dZ1, X.T)
"""


def edited_safetensors(source, target, metadata_edits=None, tensor_edits=None):
    """Copies a safetensors file with metadata fields replaced (None deletes) and tensors edited."""
    from safetensors import safe_open
    from safetensors.numpy import load_file
    tensors = load_file(source)
    with safe_open(source, "np") as f:
        metadata = dict(f.metadata() or {})
    for key, value in (metadata_edits or {}).items():
        if value is None:
            metadata.pop(key, None)
        else:
            metadata[key] = value(metadata.get(key)) if callable(value) else value
    for name, edit in (tensor_edits or {}).items():
        tensors[name] = tensors[name].copy()
        edit(tensors[name])
    save_file(tensors, target, metadata=metadata)


def json_edit(changes):
    """A metadata edit that replaces keys of a JSON object field."""
    import json

    def edit(text):
        value = json.loads(text)
        value.update(changes)
        return json.dumps(value)
    return edit


def make_guard_fixtures(d, model, checkpoint):
    """Edited copies of the fixture model and of a momentum checkpoint; course .npz models with
    non-finite weights; derivation files with bad headers. Returns the momentum checkpoint."""
    import json
    result = run(["train", "--data", "moons", "--units", "4", "--epochs", "3", "--optimizer", "momentum",
                  "--learning-rate", "0.1", "--batch-size", "8", "--output-dir", "run-momentum"], cwd=d)
    if result is None or result.returncode != 0:
        sys.exit("could not train the momentum fixture")
    momentum = os.path.join(d, "run-momentum", "checkpoint.safetensors")
    partial = {"epoch": 4, "batches": 1, "correct": 5, "examples": 8, "lossSum": 4.0, "seconds": 0.01,
               "gradientNormSums": [0.1, 0.2], "gradientNormSamples": 1}
    g = lambda name: os.path.join(d, name)

    def nan_first(t):
        t.flat[0] = np.nan

    def inf_first(t):
        t.flat[0] = np.inf
    checkpoints = {
        "ck_config_json.safetensors": {"configuration": "{not json"},
        "ck_config_keys.safetensors": {"configuration": '{"epochs": 3}'},
        "ck_config_batch0.safetensors": {"configuration": json_edit({"batchSize": 0})},
        "ck_config_lr.safetensors": {"configuration": json_edit({"learningRate": -1})},
        "ck_config_epochs.safetensors": {"configuration": json_edit({"epochs": -5})},
        "ck_config_keep.safetensors": {"configuration": json_edit({"keepProbabilities": [0]})},
        "ck_config_step0.safetensors": {"configuration": json_edit({"schedule": {"step": {"every": 1, "factor": 0}}})},
        "ck_config_exp.safetensors": {"configuration": json_edit({"schedule": {"exponential": {"rate": -1}}})},
        "ck_config_optimizer.safetensors": {"configuration": json_edit({"optimizer": {"momentum": {"beta": 7}}})},
        "ck_step_max.safetensors": {"optimizer_step": "9223372036854775807"},
        "ck_step_neg.safetensors": {"optimizer_step": "-1"},
        "ck_step_text.safetensors": {"optimizer_step": "ten"},
        "ck_step_missing.safetensors": {"optimizer_step": None},
        "ck_history_json.safetensors": {"history": "[{"},
        "ck_history_epochs.safetensors": {"history": lambda t: json.dumps([dict(r, epoch=7) for r in json.loads(t)])},
        "ck_epochs_completed.safetensors": {"epochs_completed": "99"},
        "ck_partial_ok.safetensors": {"partial_epoch": json.dumps(partial)},
        "ck_partial_json.safetensors": {"partial_epoch": "{"},
        "ck_partial_norms.safetensors": {"partial_epoch": json.dumps(dict(partial, gradientNormSums=[]))},
        "ck_partial_correct.safetensors": {"partial_epoch": json.dumps(dict(partial, correct=99))},
        "ck_partial_epoch.safetensors": {"partial_epoch": json.dumps(dict(partial, epoch=1))},
        "ck_partial_examples.safetensors": {"partial_epoch": json.dumps(dict(partial, examples=2 ** 63 - 1))},
        "ck_partial_batches.safetensors": {"partial_epoch": json.dumps(dict(partial, batches=10 ** 12, examples=10 ** 12))},
        "ck_sizes.safetensors": {"sizes": "2,x,1"},
        "ck_layers.safetensors": {"layers": "[{"},
    }
    for name, edits in checkpoints.items():
        edited_safetensors(momentum, g(name), metadata_edits=edits)
    edited_safetensors(momentum, g("ck_velocity_nan.safetensors"), tensor_edits={"optimizer.velocity.0.weight": nan_first})
    edited_safetensors(momentum, g("ck_weight_nan.safetensors"), tensor_edits={"0.weight": nan_first})
    edited_safetensors(momentum, g("ck_bias_inf.safetensors"), tensor_edits={"2.bias": inf_first})

    models = {
        "md_sizes_text.safetensors": {"sizes": "2,x,1"},
        "md_sizes_other.safetensors": {"sizes": "2,5,1"},
        "md_activations_text.safetensors": {"activations": "tanh,bogus"},
        "md_activations_other.safetensors": {"activations": "relu,sigmoid"},
        "md_dtype.safetensors": {"dtype": "float16"},
        "md_format.safetensors": {"format": "keras"},
        "md_loss.safetensors": {"loss": "hinge"},
        "md_layers_json.safetensors": {"layers": "[{"},
        "md_means_json.safetensors": {"input_means": "[1,", "input_standard_deviations": "[1,1]"},
        "md_means_only.safetensors": {"input_means": "[0,0]"},
        "md_stds_only.safetensors": {"input_standard_deviations": "[1,1]"},
        "md_stds_zero.safetensors": {"input_means": "[0,0]", "input_standard_deviations": "[1,0]"},
        "md_means_count.safetensors": {"input_means": "[0,0,0]", "input_standard_deviations": "[1,1,1]"},
        "md_means_huge.safetensors": {"input_means": "[1e999,0]", "input_standard_deviations": "[1,1]"},
        "md_classes_json.safetensors": {"class_names": "{"},
        "md_classes_type.safetensors": {"class_names": "[1,2]"},
    }
    for name, edits in models.items():
        edited_safetensors(model, g(name), metadata_edits=edits)
    edited_safetensors(model, g("md_ok_standardized.safetensors"),
                       metadata_edits={"input_means": "[0.5,0.25]", "input_standard_deviations": "[1,2]", "class_names": '["a","b"]'})
    from safetensors.numpy import load_file
    from safetensors import safe_open
    with safe_open(model, "np") as f:
        meta = dict(f.metadata())
    tensors32 = {k: v.astype(np.float32) for k, v in load_file(model).items()}
    tensors32["0.weight"].flat[1] = np.nan
    save_file(tensors32, g("md_nan_f32.safetensors"), metadata=dict(meta, dtype="float32"))

    rng = np.random.default_rng(12)
    W1, b1, W2, b2 = rng.standard_normal((4, 2)), np.zeros((4, 1)), rng.standard_normal((1, 4)), np.zeros((1, 1))
    W1n = W1.copy()
    W1n[2, 1] = np.nan
    b2i = b2.copy()
    b2i[0, 0] = -np.inf
    np.savez(g("course_nan_W1.npz"), W1=W1n, b1=b1, W2=W2, b2=b2)
    np.savez(g("course_inf_b2.npz"), W1=W1, b1=b1, W2=W2, b2=b2i)
    np.savez(g("course_nan_f32.npz"), W1=W1n.astype(np.float32), b1=b1.astype(np.float32),
             W2=W2.astype(np.float32), b2=b2.astype(np.float32))

    headers = {
        "hdr_hidden.py": "# layers: 2,4,1  hidden: bogus  output: sigmoid",
        "hdr_output.py": "# layers: 2,4,1  hidden: tanh  output: bogus",
        "hdr_loss.py": "# layers: 2,4,1  hidden: tanh  output: sigmoid  loss: hinge",
        "hdr_unknown.py": "# layers: 2,4,1  hiden: relu",
        "hdr_extra_word.py": "# layers: 2,4,1  hidden: tanh  please",
        "hdr_typo.py": "# layer: 3,5,1",
        "hdr_outputs.py": "# layers: 2,4,1\n# outputs: softmax",
        "hdr_layers_text.py": "# layers: 2,x,1",
        "hdr_layers_zero.py": "# layers: 2,0,1",
        "hdr_layers_one.py": "# layers: 2",
        "hdr_twice.py": "# layers: 2,4,1\n# hidden: tanh\n# hidden: relu",
        "hdr_no_value.py": "# layers: 2,4,1  hidden:",
        "hdr_convention.py": "# layers: 2,4,1  convention: sideways",
        "hdr_loss_output.py": "# layers: 2,4,1  output: sigmoid  loss: ce",
        "hdr_softmax_hidden.py": "# layers: 2,4,1  hidden: softmax",
        "hdr_batchnorm.py": "# layers: 2,4,1  batchnorm: maybe",
        "hdr_batchnorm_no_hidden.py": "# layers: 2,1  batchnorm: yes",
    }
    for name, header in headers.items():
        write(g(name), header + "\n" + CORRECT_DERIVATION)
    write(g("hdr_ok.py"), "# The course's network: planar data.\n# layers: 2,4,1  hidden: tanh  output: sigmoid  loss: bce\n"
          "# convention: deferred\n" + CORRECT_DERIVATION)
    write(g("hdr_none.py"), "# Note: no header here.\n" + CORRECT_DERIVATION)
    write(g("hdr_batchnorm_ok.py"), "# layers: 2,4,1  hidden: tanh  output: sigmoid\n# batchnorm: yes\n" + CORRECT_BATCH_NORM_DERIVATION)
    return momentum


def guard_rows(d, model, momentum):
    e = lambda *words: ("error", list(words))
    ok = ("ok",)
    resume = lambda name: ["train", "--data", "moons", "--epochs", "6", "--output-dir", "out-guard", "--resume", name]
    rows = []
    # Checkpoints: every corrupt field is named with the file; nothing resumes on defaults.
    for name, field in [
        ("ck_config_json", "configuration"), ("ck_config_keys", "configuration"), ("ck_config_batch0", "batch size"),
        ("ck_config_lr", "learning rate"), ("ck_config_epochs", "epochs"), ("ck_config_keep", "keep probability"),
        ("ck_config_step0", "factor"), ("ck_config_exp", "rate"), ("ck_config_optimizer", "configuration"),
        ("ck_step_max", "optimizer_step"), ("ck_step_neg", "optimizer_step"), ("ck_step_text", "optimizer_step"),
        ("ck_step_missing", "optimizer_step"), ("ck_history_json", "history"), ("ck_history_epochs", "history"),
        ("ck_epochs_completed", "epochs_completed"), ("ck_partial_json", "partial_epoch"),
        ("ck_partial_norms", "gradientNormSums"), ("ck_partial_correct", "correct"), ("ck_partial_epoch", "partial_epoch"),
        ("ck_partial_examples", "examples"), ("ck_sizes", "sizes"), ("ck_layers", "layers"),
        ("ck_velocity_nan", "optimizer.velocity.0.weight"), ("ck_weight_nan", "0.weight"), ("ck_bias_inf", "2.bias"),
    ]:
        rows.append((f"guard: train --resume {name}", resume(f"{name}.safetensors"), e(f"{name}.safetensors", field)))
    rows.append(("guard: train --resume ck_partial_batches (more batches than an epoch has)",
                 resume("ck_partial_batches.safetensors"), e("partial epoch")))
    rows.append(("guard: train --resume a checkpoint with a valid partial epoch", resume("ck_partial_ok.safetensors"), ok))
    rows.append(("guard: train --resume with a NaN-making --schedule",
                 resume(momentum) + ["--schedule", "step:1:0"], e("--schedule")))
    for name in ["ck_weight_nan", "ck_bias_inf", "ck_sizes"]:
        rows.append((f"guard: evaluate --weights {name}", ["evaluate", "--weights", f"{name}.safetensors", "--data", "moons"],
                     e(f"{name}.safetensors")))
    # Models: every field is checked when present, for each command that reads the model.
    for name, field in [
        ("md_sizes_text", "sizes"), ("md_sizes_other", "sizes"), ("md_activations_text", "activations"),
        ("md_activations_other", "activations"), ("md_dtype", "dtype"), ("md_format", "format"), ("md_loss", "loss"),
        ("md_layers_json", "layers"), ("md_means_json", "input_means"), ("md_means_only", "input_standard_deviations"),
        ("md_stds_only", "input_means"), ("md_stds_zero", "input_standard_deviations"), ("md_means_count", "input_means"),
        ("md_means_huge", "input_means"), ("md_classes_json", "class_names"), ("md_classes_type", "class_names"),
    ]:
        path = f"{name}.safetensors"
        rows.append((f"guard: evaluate --weights {name}", ["evaluate", "--weights", path, "--data", "moons"], e(path, field)))
        rows.append((f"guard: predict --weights {name}", ["predict", "--weights", path, "--input", "X.npy"], e(path, field)))
        rows.append((f"guard: export --weights {name}", ["export", "--weights", path, "--onnx", "guard.onnx"], e(path, field)))
    rows.append(("guard: predict with valid standardisation and class names",
                 ["predict", "--weights", "md_ok_standardized.safetensors", "--input", "X.npy"], ok))
    # Non-finite weights in every format, for every command that loads a model.
    for path, tensor in [("nan_weights.safetensors", "0.weight"), ("md_nan_f32.safetensors", "0.weight"),
                         ("course_nan_W1.npz", "W1"), ("course_inf_b2.npz", "b2"), ("course_nan_f32.npz", "W1"),
                         ("ck_weight_nan.safetensors", "0.weight")]:
        for command in (["evaluate", "--data", "moons"], ["predict", "--input", "X.npy"],
                        ["grads", "--x", "X.npy", "--y", "Y.npy"], ["export", "--onnx", "guard.onnx"]):
            rows.append((f"guard: {command[0]} --weights {path} (non-finite {tensor})",
                         [command[0], "--weights", path, *command[1:]], e(path, tensor)))
    # Schedules whose rates are not positive and finite: the message names the flag.
    for schedule in ["step:1:0", "step:1:-0.5", "step:2:1.5", "exponential:-1", "exponential:0", "exponential:1.5",
                     "inverse:0", "inverse:-2", "inverse:0.1:0", "cosine:-1", "step:1:nan", "exponential:inf"]:
        rows.append((f"guard: train --schedule {schedule}", ["train", "--epochs", "2", "--output-dir", "out-guard",
                                                              "--schedule", schedule], e("--schedule")))
    rows.append(("guard: train --schedule step:3:0.5 (valid)",
                 ["train", "--data", "moons", "--units", "3", "--epochs", "2", "--output-dir", "out-guard2", "--schedule", "step:3:0.5"], ok))
    # Derivation headers: an unknown or invalid field is an error naming the file and the field.
    for name, field in [
        ("hdr_hidden", "hidden"), ("hdr_output", "output"), ("hdr_loss", "loss"), ("hdr_unknown", "hiden"),
        ("hdr_extra_word", "please"), ("hdr_typo", "layer"), ("hdr_outputs", "outputs"), ("hdr_layers_text", "layers"),
        ("hdr_layers_zero", "layers"), ("hdr_layers_one", "layers"), ("hdr_twice", "twice"), ("hdr_no_value", "hidden"),
        ("hdr_convention", "convention"), ("hdr_loss_output", "line"), ("hdr_softmax_hidden", "hidden"),
        ("hdr_batchnorm", "batchnorm"), ("hdr_batchnorm_no_hidden", "batch norm"),
    ]:
        rows.append((f"guard: check {name}.py", ["check", f"{name}.py"], e(f"{name}.py", field)))
        rows.append((f"guard: check {name}.py --layers 2,4,1 (the file is still refused)",
                     ["check", f"{name}.py", "--layers", "2,4,1"], e(f"{name}.py")))
    rows.append(("guard: check a valid header with prose and convention lines", ["check", "hdr_ok.py", "--plain"], ok))
    rows.append(("guard: check a file whose comments hold no header", ["check", "hdr_none.py", "--plain"], ok))
    rows.append(("guard: check a batch-norm derivation (batchnorm: yes on its own header line)",
                 ["check", "hdr_batchnorm_ok.py", "--plain"], ok))
    return rows


def main():
    global known
    start = time.time()
    with tempfile.TemporaryDirectory(prefix="backprop-bad-") as d:
        model, checkpoint = make_fixtures(d)
        help_text = run(["--help"], cwd=d).stdout
        rows = table(model, checkpoint)
        momentum = make_guard_fixtures(d, model, checkpoint)
        rows += guard_rows(d, model, momentum)
        if "export" in help_text:
            rows += [
                ("export without --onnx", ["export", "--weights", model], e_any()),
                ("export --weights empty", ["export", "--weights", "empty.safetensors", "--onnx", "m.onnx"], ("error", ["empty.safetensors"])),
                ("export --weights CSV", ["export", "--weights", "csv_as_model.safetensors", "--onnx", "m.onnx"], ("error", ["csv_as_model.safetensors"])),
                ("export --onnx under a file", ["export", "--weights", model, "--onnx", "afile/m.onnx"], ("error", ["afile/m.onnx"])),
            ]
        for row in rows:
            name, args, expectation = row[0], row[1], row[2]
            env = row[3] if len(row) > 3 else None
            result = run(args, cwd=d, env=env)
            note = None
            if expectation[0] == "known":
                note, expectation = expectation[1], expectation[2]
            if expectation[0] == "error":
                problem = verdict_error(result, expectation[1])
            elif expectation[0] == "ok":
                problem = verdict_ok(result)
            else:
                problem = verdict_status(result, expectation[1], expectation[2])
            shown = ""
            if problem and result is not None:
                shown = f"\n       stderr: {result.stderr.strip()[:500]!r}"
            if note and problem:
                known += 1
                print(f"known {name}: {note} ({problem})")
                continue
            check(name, problem is None, (problem or "") + shown)
    extra = f", {known} known (not counted)" if known else ""
    TALLY.finish(f"{extra} ({time.time() - start:.1f} s)")


def e_any():
    return ("error", [])


if __name__ == "__main__":
    main()
