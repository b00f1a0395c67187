#!/usr/bin/env python3
"""Fault tests of `backprop train`, run by .ci/run: divergence, kill -9, Ctrl-C, bad run folders.

  * NaN/Inf: a run that diverges exits 1 with one `Error:` line naming the epoch, the batch and
    the layer (or the cost) and the last good checkpoint, which a diverged run leaves untouched
    (it is from an earlier epoch): it loads in Python and in `backprop evaluate`, resuming it
    at the same learning rate fails at the same batch again, and resuming it with a smaller
    learning rate trains to the end.
  * kill -9 during training: a long run (checkpoint every epoch) is killed at random moments,
    resumed from its checkpoint, killed again; after each kill checkpoint.safetensors and
    model.safetensors are absent or complete (safetensors.numpy parses the header and every
    tensor, all finite, architecture metadata present), and --resume works.
  * kill -9 during a save: a wide network makes checkpoints of megabytes; the run folder is
    watched for the temporary file of a save (.NAME.tmp-PID) and the process is
    killed while it is being written (plus some kills at random moments), many times; the
    file at the final path is always absent or complete. Leftover temporary files are counted
    and reported (they never carry a .safetensors name).
  * Ctrl-C (SIGINT): the run stops after the current batch, prints `interrupted:` with the
    --resume command, exits 130; resuming ends on exactly the weights of an uninterrupted run.
    A second Ctrl-C ends the process at once (status 130) and leaves no broken file.
  * SIGTERM and SIGHUP are handled like Ctrl-C: exit 143 and 129 with a complete checkpoint
    and the --resume line, and the resumed run ends on exactly the uninterrupted weights; a
    SIGTERM (or two) while a checkpoint is being written leaves no temporary file, and stale
    temporary files of our naming (.NAME.tmp-PID) are cleared when the next run starts.
  * Outputs that resolve to an input (directly, through .., a symlink or a hard link) are
    refused for predict, grads and export, and leave the input byte for byte unchanged; an
    extension that does not say what is written is refused unless --force.
  * Two runs to one --output-dir: the second gets one Error: line naming the first's PID.
  * An empty --output-dir is an error that writes nothing.
  * A read-only, uncreatable or file-blocked --output-dir is a one-line error before training
    starts (nothing printed on stdout). Under root, chmod does not stop writes, so the
    read-only cases are /proc/sys (read-only), a path under a regular file and a path under
    /dev/null; as another user a chmod 555 folder is tried too.

Prints 'N passed, M failed' and exits non-zero on any failure.
Usage: check_faults.py PATH_TO_BACKPROP_BINARY [--kills N]
"""
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys

import tempfile
import time

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tally import Tally  # noqa: E402  (the shared ok/FAIL tally beside this script)

BINARY = os.path.abspath(sys.argv[1])
SAVE_KILLS = int(sys.argv[sys.argv.index("--kills") + 1]) if "--kills" in sys.argv else 20
RELEASE = "/release/" in BINARY
TALLY = Tally()
check = TALLY.check
rng = random.Random(int(os.environ.get("BACKPROP_FAULT_SEED", "7")))
CRASH_MARKERS = ["Fatal error", "Program crashed", "Stack dump", "Illegal instruction", "Segmentation fault"]




def run(args, cwd, timeout=120):
    return subprocess.run([BINARY, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, errors="replace")


def error_lines(result):
    return [line for line in result.stderr.splitlines() if line.startswith("Error:")]


def one_error_line(result):
    """The single Error: line of a failed run, or None when the rule is broken."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    if len(lines) != 1 or not lines[0].startswith("Error:"):
        return None
    return lines[0]


def no_crash(result):
    return result.returncode >= 0 and result.returncode < 128 and not any(
        m in result.stderr + result.stdout for m in CRASH_MARKERS)


def inspect(path):
    """'absent', 'valid' or 'invalid: why' for a model or checkpoint file."""
    if not os.path.exists(path):
        return "absent", None
    try:
        tensors = load_file(path)
        with safe_open(path, "np") as f:
            metadata = f.metadata() or {}
    except Exception as error:  # noqa: BLE001 - any parse failure is what we look for
        return f"invalid: {type(error).__name__}: {error}", None
    if not tensors:
        return "invalid: no tensors", None
    for key in ("sizes", "activations", "loss"):
        if key not in metadata:
            return f"invalid: metadata lacks {key}", None
    sizes = [int(s) for s in metadata["sizes"].split(",")]
    for l in range(1, len(sizes)):
        w, b = tensors.get(f"{2 * (l - 1)}.weight"), tensors.get(f"{2 * (l - 1)}.bias")
        if w is None or b is None or w.shape != (sizes[l], sizes[l - 1]) or b.shape != (sizes[l],):
            return f"invalid: layer {l} tensors missing or misshapen", None
    for name, t in tensors.items():
        if not np.all(np.isfinite(t)):
            return f"invalid: {name} not finite", None
    if metadata.get("checkpoint") == "1":
        try:
            json.loads(metadata["history"])
            int(metadata["epochs_completed"])
        except Exception as error:  # noqa: BLE001
            return f"invalid: checkpoint metadata: {error}", None
    return "valid", metadata


TEMP_NAME = re.compile(r"^\..+\.tmp-\d+$")  # AtomicFile's temporary files: .{name}.tmp-{pid}


def is_temp(name):
    return TEMP_NAME.match(name) is not None


def leftovers(folder):
    return sorted(n for n in os.listdir(folder)
                  if is_temp(n) or n.startswith(".dat.nosync") or n.startswith(".write-test"))


# ---------------------------------------------------------------------------------------------

def test_divergence(d):
    print("-- NaN/Inf: a diverging run")
    # Full batch, identity output with MSE, learning rate 1e6: the loss overflows in a few epochs.
    args = ["train", "--data", "moons", "--units", "16", "--hidden", "relu", "--output", "identity", "--loss", "mse",
            "--optimizer", "sgd", "--batch-size", "400", "--learning-rate", "1e6", "--epochs", "50", "--checkpoint-every", "1", "--output-dir", "div1"]
    r = run(args, d)
    line = one_error_line(r)
    check("diverging run exits 1 without a crash", r.returncode == 1 and no_crash(r), f"status {r.returncode}: {r.stderr[-400:]}")
    check("exactly one Error: line on stderr", line is not None, repr(r.stderr[-400:]))
    line = line or ""
    m = re.search(r"epoch (\d+), batch (\d+)", line)
    check("the error names the epoch and the batch", m is not None, line)
    check("the error names the layer or the cost", re.search(r"layer \d+|the cost is", line) is not None, line)
    ckpt = os.path.join(d, "div1", "checkpoint.safetensors")
    check("the error names the checkpoint", ckpt in line, line)
    state, meta = inspect(ckpt)
    check("the checkpoint is there, complete and finite", state == "valid", state)
    if m and meta:
        check("the checkpoint is from before the failing epoch",
              int(meta["epochs_completed"]) < int(m.group(1)), f"{meta['epochs_completed']} vs {m.group(1)}")
    e = run(["evaluate", "--weights", ckpt, "--data", "moons"], d)
    check("backprop evaluate loads the checkpoint", e.returncode == 0, e.stderr[-300:])
    # The folder is a snapshot at every checkpoint: a model there is the checkpoint's (finite) network.
    model_path = os.path.join(d, "div1", "model.safetensors")
    check("no model.safetensors from a failed run beyond the last good snapshot",
          not os.path.exists(model_path) or inspect(model_path)[0] == "valid")

    # Mid-epoch: three good epochs, then the user resumes into the same folder with a learning
    # rate that diverges in the middle of epoch 4. The epoch-3 checkpoint must survive untouched.
    base = ["train", "--data", "moons", "--units", "16", "--hidden", "relu", "--output", "identity", "--loss", "mse",
            "--optimizer", "sgd", "--batch-size", "32", "--checkpoint-every", "1", "--output-dir", "div2"]
    r = run(base + ["--learning-rate", "0.5", "--epochs", "3"], d)
    check("three good epochs train", r.returncode == 0, r.stderr[-300:])
    ckpt = os.path.join(d, "div2", "checkpoint.safetensors")
    with open(ckpt, "rb") as f:
        before = f.read()
    r = run(base + ["--learning-rate", "5", "--epochs", "50", "--resume", ckpt], d)
    line = one_error_line(r) or ""
    m = re.search(r"epoch (\d+), batch (\d+)", line)
    check("the resumed run diverges in epoch 4 after its first batch",
          r.returncode == 1 and m is not None and m.group(1) == "4" and int(m.group(2)) > 1, line or r.stderr[-300:])
    check("the error names the checkpoint it kept", ckpt in line, line)
    with open(ckpt, "rb") as f:
        check("mid-epoch failure: the epoch-3 checkpoint is byte for byte unchanged", f.read() == before)
    state, meta = inspect(ckpt)
    check("and complete, finite, after epoch 3", state == "valid" and meta["epochs_completed"] == "3", state)
    if m:
        r2 = run(base + ["--learning-rate", "5", "--epochs", "50", "--resume", ckpt], d)
        m2 = re.search(r"epoch (\d+), batch (\d+)", one_error_line(r2) or "")
        check("resuming it at the same learning rate fails at the same batch (the run is reproducible)",
              m2 is not None and m2.groups() == m.groups(), f"{r2.stderr!r} vs {line!r}")
    r3 = run(base + ["--learning-rate", "0.1", "--epochs", "6", "--resume", ckpt], d)
    check("resuming it with a smaller learning rate trains to the end", r3.returncode == 0, r3.stderr[-300:])
    check("and writes a valid model", inspect(os.path.join(d, "div2", "model.safetensors"))[0] == "valid")

    # A finite gradient (labels near 1e10 with an identity output) times a learning rate of
    # 1e300 overflows the parameters themselves in the update, with every gradient and cost
    # finite: that epoch must not reach its checkpoint (which would then hold infinities).
    X = np.random.default_rng(1).standard_normal((2, 40))
    np.savez(os.path.join(d, "big.npz"), X=X, Y=np.full((1, 40), 1e10) + X[:1])
    base = ["train", "--data", "big.npz", "--units", "4", "--output", "identity", "--optimizer", "sgd", "--batch-size", "40",
            "--checkpoint-every", "1", "--output-dir", "div8"]
    r = run(base + ["--learning-rate", "1e-12", "--epochs", "2"], d)
    ckpt = os.path.join(d, "div8", "checkpoint.safetensors")
    with open(ckpt, "rb") as f:
        before = f.read()
    r = run(base + ["--learning-rate", "1e300", "--epochs", "10", "--resume", ckpt], d)
    line = one_error_line(r) or ""
    check("parameters overflowing in the update: exits 1 naming epoch 3, batch 1 and layer 1",
          r.returncode == 1 and "epoch 3, batch 1" in line and "layer 1" in line, line or r.stderr[-300:])
    with open(ckpt, "rb") as f:
        check("and the epoch-2 checkpoint is unchanged and loads", f.read() == before and inspect(ckpt)[0] == "valid")

    # Labels that make the cost overflow at once: the cost is named, nothing half-trained is kept.
    X = np.random.default_rng(1).standard_normal((2, 40))
    np.savez(os.path.join(d, "huge.npz"), X=X, Y=np.full((1, 40), 1e200))
    r = run(["train", "--data", "huge.npz", "--units", "4", "--output", "identity", "--learning-rate", "0.1",
             "--epochs", "5", "--output-dir", "div6"], d)
    line = one_error_line(r) or ""
    check("labels of 1e200: exits 1 naming epoch 1, batch 1 and the cost",
          r.returncode == 1 and "epoch 1, batch 1" in line and "cost" in line, line or r.stderr[-300:])
    check("labels of 1e200: no checkpoint or model of an untrained network",
          not os.path.exists(os.path.join(d, "div6", "checkpoint.safetensors"))
          and not os.path.exists(os.path.join(d, "div6", "model.safetensors")))
    # An infinite feature is refused before any epoch.
    X[1, 5] = np.inf
    np.savez(os.path.join(d, "inf.npz"), X=X, Y=(X[:1] > 0).astype(float))
    r = run(["train", "--data", "inf.npz", "--units", "4", "--no-standardize", "--epochs", "5", "--output-dir", "div7"], d)
    check("an infinite feature: one Error: line, no epoch trained",
          r.returncode == 1 and one_error_line(r) is not None and "epoch " not in r.stdout, r.stderr[-300:])


def test_kill_training(d, kills=5):
    print("-- kill -9 during training")
    folder = os.path.join(d, "killrun")
    common = ["train", "--data", "moons", "--units", "64,64", "--batch-size", "8", "--checkpoint-every", "1",
              "--output-dir", folder, "--log-every", "1000"]
    base = common + ["--epochs", "100000"]
    seen = {"valid": 0, "absent": 0, "invalid": 0}
    resumed = 0
    for k in range(kills):
        ckpt = os.path.join(folder, "checkpoint.safetensors")
        args = base + (["--resume", ckpt] if os.path.exists(ckpt) else [])
        resumed += "--resume" in args
        delay = rng.uniform(0.3, 1.5)
        p = subprocess.Popen([BINARY, *args], cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if k == 0:
            # On a loaded machine the first epoch can take longer than the longest delay: let the
            # first run reach its first checkpoint, so the later kills exercise --resume.
            start = time.time()
            while p.poll() is None and not os.path.exists(ckpt) and time.time() - start < 60:
                time.sleep(0.005)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        _, err = p.communicate()
        alive_until_kill = p.returncode == -signal.SIGKILL
        states = {name: inspect(os.path.join(folder, name))[0] for name in ("checkpoint.safetensors", "model.safetensors")}
        for s in states.values():
            seen["valid" if s == "valid" else "absent" if s == "absent" else "invalid"] += 1
        meta = inspect(ckpt)[1]
        check(f"kill {k + 1} at {delay:.2f}s: files absent or complete ({states['checkpoint.safetensors']}, "
              f"epochs {meta['epochs_completed'] if meta else '-'})",
              alive_until_kill and all(s in ("valid", "absent") for s in states.values()),
              f"status {p.returncode} {err.decode(errors='replace')[-300:]} {states}")
    print(f"     kill -9 during training: {kills} kills ({resumed} of resumed runs); files seen: {seen}; "
          f"leftover temporary files: {leftovers(folder)}")
    ckpt = os.path.join(folder, "checkpoint.safetensors")
    meta = inspect(ckpt)[1]
    if check("a checkpoint survived the kills", meta is not None):
        target = int(meta["epochs_completed"]) + 2
        r = run(common + ["--epochs", str(target), "--resume", ckpt], d)
        check(f"--resume after the kills trains epochs {target - 1}..{target} to the end", r.returncode == 0, r.stderr[-300:])
        check("and writes a valid model", inspect(os.path.join(folder, "model.safetensors"))[0] == "valid")
    names = [n for n in os.listdir(folder) if n.endswith(".safetensors")]
    check("only checkpoint.safetensors and model.safetensors carry the .safetensors name",
          set(names) <= {"checkpoint.safetensors", "model.safetensors"}, names)


def test_kill_save(d, kills):
    print("-- kill -9 during a save")
    folder = os.path.join(d, "savekill")
    units = "2048,2048" if RELEASE else "512,512"
    args = ["train", "--overwrite", "--data", "moons", "--units", units, "--precision", "float", "--optimizer", "momentum",
            "--learning-rate", "0.01", "--epochs", "1", "--checkpoint-every", "1", "--output-dir", folder]
    seen = {"valid": 0, "absent": 0, "invalid": 0}
    during_write = 0
    completed = 0
    sizes = []
    for k in range(kills):
        targeted = k % 4 != 3  # three of four kills aim at a file being written, the rest are random
        target = rng.choice([1, 2, 3])  # which big write: checkpoint after epoch 1, final checkpoint, model
        p = subprocess.Popen([BINARY, *args], cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        start = time.time()
        how = ""
        if targeted:
            names = set()
            while p.poll() is None and time.time() - start < 60:
                try:
                    for n in os.listdir(folder):
                        if is_temp(n) and n not in names:
                            try:
                                size = os.stat(os.path.join(folder, n)).st_size
                            except FileNotFoundError:
                                continue
                            if size > 0:
                                names.add(n)
                except FileNotFoundError:
                    pass
                if len(names) >= target:
                    time.sleep(rng.uniform(0, 0.004))
                    break
            how = f"write #{target}"
        else:
            delay = rng.uniform(0.1, 3.0 if RELEASE else 1.2)
            time.sleep(delay)
            how = f"{delay:.2f}s"
        p.send_signal(signal.SIGKILL)
        _, err = p.communicate()
        if p.returncode != -signal.SIGKILL:
            completed += 1
        temps = leftovers(folder) if os.path.isdir(folder) else []
        big_temps = [n for n in temps if os.path.getsize(os.path.join(folder, n)) > 0]
        during_write += bool(big_temps)
        states = {}
        for name in ("checkpoint.safetensors", "model.safetensors"):
            path = os.path.join(folder, name)
            states[name] = inspect(path)[0]
            if states[name] == "valid":
                sizes.append(os.path.getsize(path))
        for s in states.values():
            seen["valid" if s == "valid" else "absent" if s == "absent" else "invalid"] += 1
        check(f"save kill {k + 1} ({how}{', mid-write' if big_temps else ''}): "
              f"checkpoint {states['checkpoint.safetensors']}, model {states['model.safetensors']}",
              all(s in ("valid", "absent") for s in states.values()) and p.returncode in (-signal.SIGKILL, 0),
              f"status {p.returncode} {err.decode(errors='replace')[-300:]}")
        for n in temps:  # as a user would after a crash; a stale temporary file is never read
            os.remove(os.path.join(folder, n))
    mb = max(sizes) / 1e6 if sizes else 0
    print(f"     kill -9 during a save: {kills} kills, {during_write} while a temporary file held data, "
          f"{completed} runs finished before their kill; files seen: {seen}; largest file {mb:.1f} MB")
    check("some kills landed while a file was being written", during_write > 0, "(none did: the writes were too quick to catch)")
    ckpt = os.path.join(folder, "checkpoint.safetensors")
    if os.path.exists(ckpt):
        meta = inspect(ckpt)[1]
        r = run(args[:-8] + ["--learning-rate", "0.01", "--epochs", str(int(meta["epochs_completed"]) + 1),
                             "--checkpoint-every", "1", "--output-dir", os.path.join(d, "savekill-resumed"), "--resume", ckpt], d)
        check("--resume from the checkpoint left by the kills works", r.returncode == 0, r.stderr[-300:])


def wait_for_training(p, folder):
    """Until the first epoch's checkpoint exists (the Ctrl-C handler is installed by then), then
    a random part of an epoch or two, so the signal lands at a different batch each time."""
    start = time.time()
    while p.poll() is None and not os.path.exists(os.path.join(folder, "checkpoint.safetensors")) and time.time() - start < 60:
        time.sleep(0.002)
    time.sleep(rng.uniform(0, 0.1))


def test_sigint(d):
    print("-- Ctrl-C (SIGINT)")
    base = ["train", "--data", "moons", "--units", "64,64", "--batch-size", "8", "--epochs", "40",
            "--checkpoint-every", "1", "--log-every", "1000"]
    p = subprocess.Popen([BINARY, *base, "--output-dir", "int1"], cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_training(p, os.path.join(d, "int1"))
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    check("Ctrl-C: exits 130", p.returncode == 130, f"status {p.returncode} {err[-300:]}")
    m = re.search(r"interrupted: checkpoint saved at (.*?) to (\S+); continue with --resume (\S+)", out)
    check("Ctrl-C: prints the interrupted: line with the --resume command", m is not None, out[-400:])
    if not m:
        return
    ckpt = m.group(3)
    state, meta = inspect(ckpt)
    check(f"Ctrl-C: the checkpoint ({m.group(1)}) is complete", state == "valid", state)
    # The folder is a complete snapshot of the interrupted point: the model beside the checkpoint is its network.
    model_state, model_meta = inspect(os.path.join(d, "int1", "model.safetensors"))
    check("Ctrl-C: the model beside it is the interrupted point's snapshot", model_state == "valid" and model_meta["sizes"] == meta["sizes"], model_state)
    r = run(base + ["--output-dir", "int1", "--resume", ckpt], d)
    check("--resume continues to the end", r.returncode == 0 and "after 40 epochs" in r.stdout, r.stderr[-300:] + r.stdout[-300:])
    ref = run(base + ["--output-dir", "int-ref"], d)
    check("an uninterrupted run of the same options", ref.returncode == 0, ref.stderr[-300:])
    a = load_file(os.path.join(d, "int1", "model.safetensors"))
    b = load_file(os.path.join(d, "int-ref", "model.safetensors"))
    check("interrupted + resumed ends on exactly the uninterrupted weights",
          a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a))

    # A second Ctrl-C ends the process at once; whatever is on disk is complete.
    p = subprocess.Popen([BINARY, *base, "--output-dir", "int2"], cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_training(p, os.path.join(d, "int2"))
    p.send_signal(signal.SIGINT)
    time.sleep(0.002)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    state = inspect(os.path.join(d, "int2", "checkpoint.safetensors"))[0]
    check(f"two Ctrl-C: exits 130, checkpoint {state}", p.returncode == 130 and state in ("valid", "absent"),
          f"status {p.returncode} {err[-300:]}")


def test_output_dirs(d):
    print("-- read-only, uncreatable and missing run folders")
    with open(os.path.join(d, "plainfile"), "w") as f:
        f.write("x")
    cases = [
        ("under a regular file", os.path.join(d, "plainfile", "run"), "plainfile"),
        ("a regular file", os.path.join(d, "plainfile"), "plainfile"),
        ("under /dev/null", "/dev/null/run", "/dev/null"),
        ("in read-only /proc/sys", "/proc/sys/backprop-run", "/proc/sys"),
        ("in /proc", "/proc/backprop-run/run", "/proc"),
    ]
    if os.geteuid() != 0:
        locked = os.path.join(d, "locked")
        os.mkdir(locked)
        os.chmod(locked, 0o555)
        cases.append(("in a chmod 555 folder", os.path.join(locked, "run"), "locked"))
        cases.append(("a chmod 555 folder itself", locked, "locked"))
    else:
        print("     (running as root: chmod 555 does not stop root, so the chmod cases are skipped)")
    for label, path, mention in cases:
        start = time.time()
        r = run(["train", "--epochs", "100000", "--output-dir", path], d, timeout=60)
        line = one_error_line(r) or ""
        check(f"--output-dir {label}: one-line error naming it, before training "
              f"({time.time() - start:.2f}s)",
              r.returncode == 1 and line.startswith("Error:") and mention in line and "--output-dir" in line
              and r.stdout.strip() == "" and no_crash(r),
              f"status {r.returncode} stdout {r.stdout[:200]!r} stderr {r.stderr[:300]!r}")
    missing = os.path.join(d, "not", "yet", "there")
    r = run(["train", "--data", "moons", "--units", "4", "--epochs", "2", "--output-dir", missing], d)
    check("a missing --output-dir (and its parents) is created", r.returncode == 0 and inspect(
        os.path.join(missing, "model.safetensors"))[0] == "valid", r.stderr[-300:])
    check("the write probe leaves nothing behind", not any(n.startswith(".write-test") for n in os.listdir(missing)))


# ---------------------------------------------------------------------------------------------
# Signals, saves, overwrites and run-folder locks (issue 12)
# ---------------------------------------------------------------------------------------------

SIGNAL_BASE = ["train", "--data", "moons", "--units", "64,64", "--batch-size", "8", "--epochs", "40",
               "--checkpoint-every", "1", "--log-every", "1000"]


def reference_weights(d):
    """The weights of an uninterrupted run of SIGNAL_BASE (trained once, shared by the tests)."""
    path = os.path.join(d, "sig-ref", "model.safetensors")
    if not os.path.exists(path):
        r = run(SIGNAL_BASE + ["--output-dir", "sig-ref"], d)
        check("an uninterrupted reference run", r.returncode == 0, r.stderr[-300:])
    return load_file(path) if os.path.exists(path) else None


def test_sigterm_sighup(d):
    print("-- SIGTERM and SIGHUP during training")
    ref = reference_weights(d)
    for name, number, code in (("SIGTERM", signal.SIGTERM, 143), ("SIGHUP", signal.SIGHUP, 129)):
        folder = f"sig-{name.lower()}"
        p = subprocess.Popen([BINARY, *SIGNAL_BASE, "--output-dir", folder], cwd=d, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        wait_for_training(p, os.path.join(d, folder))
        p.send_signal(number)
        out, err = p.communicate(timeout=60)
        check(f"{name}: exits {code}, no crash, nothing on stderr",
              p.returncode == code and not err.strip(), f"status {p.returncode} {err[-300:]}")
        m = re.search(r"interrupted: checkpoint saved at (.*?) to (\S+); continue with --resume (\S+)", out)
        check(f"{name}: prints the interrupted: line with the --resume command", m is not None, out[-400:])
        if not m:
            continue
        state, _ = inspect(m.group(3))
        check(f"{name}: the checkpoint ({m.group(1)}) is complete", state == "valid", state)
        check(f"{name}: no temporary files left", leftovers(os.path.join(d, folder)) == [], leftovers(os.path.join(d, folder)))
        r = run(SIGNAL_BASE + ["--output-dir", folder, "--resume", m.group(3)], d)
        check(f"{name}: --resume continues to the end", r.returncode == 0 and "after 40 epochs" in r.stdout, r.stderr[-300:])
        model = os.path.join(d, folder, "model.safetensors")
        if ref is not None and os.path.exists(model):
            a = load_file(model)
            check(f"{name}: interrupted + resumed ends on exactly the uninterrupted weights",
                  a.keys() == ref.keys() and all(np.array_equal(a[k], ref[k]) for k in a))


def watch_for_temp(p, folder, timeout=60):
    """Waits until a temporary file of a save holds data in `folder`; returns its name or None."""
    start = time.time()
    while p.poll() is None and time.time() - start < timeout:
        try:
            for n in os.listdir(folder):
                if is_temp(n):
                    try:
                        if os.stat(os.path.join(folder, n)).st_size > 0:
                            return n
                    except FileNotFoundError:
                        pass
        except FileNotFoundError:
            pass
        time.sleep(0.0005)
    return None


def test_sigterm_during_save(d, tries=6):
    print("-- SIGTERM during a save")
    folder = os.path.join(d, "termsave")
    units = "2048,2048" if RELEASE else "512,512"
    args = ["train", "--data", "moons", "--units", units, "--precision", "float", "--optimizer", "momentum",
            "--learning-rate", "0.01", "--epochs", "3", "--checkpoint-every", "1", "--output-dir", folder]
    caught = 0
    for k in range(tries):
        twice = k % 2 == 1  # every other try sends a second SIGTERM at once: the process ends mid-save
        shutil.rmtree(folder, ignore_errors=True)
        p = subprocess.Popen([BINARY, *args], cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seen = watch_for_temp(p, folder)
        p.send_signal(signal.SIGTERM)
        if twice:
            time.sleep(0.0005)
            p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=120)
        caught += seen is not None
        temps = leftovers(folder) if os.path.isdir(folder) else []
        states = {n: inspect(os.path.join(folder, n))[0] for n in ("checkpoint.safetensors", "model.safetensors")}
        label = f"SIGTERM{' twice' if twice else ''} during save {k + 1} ({'while ' + seen + ' was written' if seen else 'write not caught'})"
        check(f"{label}: exit 143 (or 0 if it had finished), no crash",
              p.returncode in (143, 0) and not any(m in err for m in CRASH_MARKERS), f"status {p.returncode} {err[-300:]}")
        check(f"{label}: no temporary file left", temps == [], temps)
        check(f"{label}: checkpoint {states['checkpoint.safetensors']}, model {states['model.safetensors']}",
              all(v in ("valid", "absent") for v in states.values()), states)
        if not twice and p.returncode == 143:
            check(f"{label}: a complete checkpoint and the --resume line",
                  states["checkpoint.safetensors"] == "valid" and "continue with --resume" in out, out[-300:])
    check("some SIGTERMs landed while a temporary file held data", caught > 0, "(none did)")


def test_stale_temporaries(d):
    print("-- stale temporary files from a killed run are cleared at the start of the next")
    folder = os.path.join(d, "stale")
    os.makedirs(folder)
    stale = [".checkpoint.safetensors.tmp-999999", ".model.safetensors.tmp-1", ".metrics.csv.tmp-42"]
    for n in stale:
        with open(os.path.join(folder, n), "wb") as f:
            f.write(b"half a file")
    with open(os.path.join(folder, "notes.txt"), "w") as f:
        f.write("mine")
    r = run(["train", "--data", "moons", "--units", "4", "--epochs", "2", "--output-dir", folder], d)
    check("a run into a folder with stale temporary files succeeds", r.returncode == 0, r.stderr[-300:])
    check("and removes them", leftovers(folder) == [], leftovers(folder))
    check("and leaves other files alone", os.path.exists(os.path.join(folder, "notes.txt")))


def test_overwrites(d):
    print("-- outputs that would overwrite an input, or carry the wrong extension")
    r = run(["train", "--data", "moons", "--units", "4", "--epochs", "2", "--output-dir", "ow"], d)
    check("a model to protect", r.returncode == 0, r.stderr[-300:])
    model = os.path.join(d, "ow", "model.safetensors")
    rng_np = np.random.default_rng(5)
    np.save(os.path.join(d, "ow_X.npy"), rng_np.standard_normal((2, 6)))
    np.save(os.path.join(d, "ow_Y.npy"), (rng_np.random((1, 6)) > 0.5).astype(float))
    os.symlink(model, os.path.join(d, "ow_link.safetensors"))
    os.link(model, os.path.join(d, "ow_hard.safetensors"))
    os.symlink(os.path.join(d, "ow_X.npy"), os.path.join(d, "ow_xlink.npy"))
    with open(model, "rb") as f:
        before = f.read()
    with open(os.path.join(d, "ow_X.npy"), "rb") as f:
        x_before = f.read()
    W = ["--weights", "ow/model.safetensors"]
    cases = [
        ("predict --out the model", ["predict", *W, "--input", "ow_X.npy", "--out", "ow/model.safetensors"], "--weights"),
        ("predict --out the model via ..", ["predict", *W, "--input", "ow_X.npy", "--out", "ow/../ow/model.safetensors", "--force"], "--weights"),
        ("predict --out a symlink to the model", ["predict", *W, "--input", "ow_X.npy", "--out", "ow_link.safetensors", "--force"], "--weights"),
        ("predict --out a hard link to the model", ["predict", *W, "--input", "ow_X.npy", "--out", "ow_hard.safetensors", "--force"], "--weights"),
        ("predict --out its --input", ["predict", *W, "--input", "ow_X.npy", "--out", "ow_X.npy"], "--input"),
        ("predict --out its --input via a symlink", ["predict", *W, "--input", "ow_X.npy", "--out", "ow_xlink.npy"], "--input"),
        ("grads --out the model", ["grads", *W, "--x", "ow_X.npy", "--y", "ow_Y.npy", "--out", "ow/model.safetensors", "--force"], "--weights"),
        ("grads --out its --y", ["grads", *W, "--x", "ow_X.npy", "--y", "ow_Y.npy", "--out", "ow_Y.npy", "--force"], "--y"),
        ("export --onnx the model", ["export", *W, "--onnx", "ow/model.safetensors", "--force"], "--weights"),
        ("export --onnx a symlink to the model", ["export", *W, "--onnx", "ow_link.safetensors", "--force"], "--weights"),
        ("predict --out p.safetensors (CSV)", ["predict", *W, "--input", "ow_X.npy", "--out", "p.safetensors"], ".csv"),
        ("predict --out p (no extension)", ["predict", *W, "--input", "ow_X.npy", "--out", "p"], "--force"),
        ("grads --out l.csv (NPZ)", ["grads", *W, "--x", "ow_X.npy", "--y", "ow_Y.npy", "--out", "l.csv"], ".npz"),
        ("export --onnx m.csv (ONNX)", ["export", *W, "--onnx", "m.csv"], ".onnx"),
        ("export --onnx m.safetensors (ONNX)", ["export", *W, "--onnx", "m.safetensors"], ".onnx"),
    ]
    for label, args, mention in cases:
        r = run(args, d)
        line = one_error_line(r) or ""
        check(f"{label}: one Error: line naming {mention}, exit 1",
              r.returncode == 1 and no_crash(r) and mention in line, f"status {r.returncode} {r.stderr[-300:]!r}")
    with open(model, "rb") as f:
        check("the model is byte for byte unchanged", f.read() == before)
    with open(os.path.join(d, "ow_X.npy"), "rb") as f:
        check("the input X is byte for byte unchanged", f.read() == x_before)
    check("the refused outputs were not written",
          not any(os.path.exists(os.path.join(d, n)) for n in ("p.safetensors", "p", "l.csv", "m.csv", "m.safetensors")))
    for label, args, path in [
        ("predict --out p.safetensors --force", ["predict", *W, "--input", "ow_X.npy", "--out", "p.safetensors", "--force"], "p.safetensors"),
        ("export --onnx m.bin --force", ["export", *W, "--onnx", "m.bin", "--force"], "m.bin"),
        ("grads --out ledger.npz", ["grads", *W, "--x", "ow_X.npy", "--y", "ow_Y.npy", "--out", "ledger.npz"], "ledger.npz"),
    ]:
        r = run(args, d)
        check(f"{label} writes", r.returncode == 0 and os.path.exists(os.path.join(d, path)), r.stderr[-300:])
    check("no temporary files beside the outputs", [n for n in os.listdir(d) if is_temp(n)] == [])


def test_concurrent_writers(d):
    print("-- two runs writing to one --output-dir")
    folder = os.path.join(d, "shared-run")
    first = subprocess.Popen([BINARY, "train", "--data", "moons", "--units", "64,64", "--batch-size", "8", "--epochs", "100000",
                              "--checkpoint-every", "1", "--log-every", "100000", "--output-dir", folder],
                             cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_training(first, folder)
    for label, args in [
        ("same options", ["train", "--data", "moons", "--units", "64,64", "--epochs", "2", "--output-dir", folder]),
        ("another architecture", ["train", "--data", "moons", "--units", "3", "--epochs", "2", "--output-dir", folder]),
        ("the folder through a .. path", ["train", "--data", "moons", "--units", "3", "--epochs", "2",
                                          "--output-dir", os.path.join(folder, "..", "shared-run")]),
    ]:
        r = run(args, d)
        line = one_error_line(r) or ""
        check(f"a second writer ({label}) fails with one Error: line naming the first run's PID {first.pid}",
              r.returncode == 1 and no_crash(r) and f"PID {first.pid}" in line and "--output-dir" in line,
              f"status {r.returncode} {r.stderr[-300:]!r}")
    check("the first run is still training", first.poll() is None)
    first.send_signal(signal.SIGINT)
    out, err = first.communicate(timeout=60)
    check("the first run stops cleanly (130)", first.returncode == 130, f"status {first.returncode} {err[-300:]}")
    state, meta = inspect(os.path.join(folder, "checkpoint.safetensors"))
    check("its checkpoint is complete and of its own architecture", state == "valid" and meta["sizes"] == "2,64,64,1", state)
    model_state, model_meta = inspect(os.path.join(folder, "model.safetensors"))
    check("the model beside it is the first run's own snapshot (no model of another architecture)",
          model_state == "valid" and model_meta["sizes"] == "2,64,64,1", model_state)
    r = run(["train", "--data", "moons", "--units", "3", "--epochs", "2", "--output-dir", folder], d)
    check("once the first run has ended, its folder is refused to a new run without --overwrite",
          r.returncode == 1 and "--overwrite" in (one_error_line(r) or ""), r.stderr[-300:])
    r = run(["train", "--data", "moons", "--units", "3", "--epochs", "2", "--output-dir", folder, "--overwrite"], d)
    check("and written again with --overwrite", r.returncode == 0, r.stderr[-300:])


def test_empty_output_dir(d):
    print("-- an empty --output-dir")
    work = os.path.join(d, "empty-dir-cwd")
    os.makedirs(work)
    for value in ["", "   "]:
        r = run(["train", "--data", "moons", "--units", "4", "--epochs", "2", "--output-dir", value], work)
        lines = [line for line in r.stderr.splitlines() if line.strip()]
        check(f"--output-dir {value!r}: one Error: line naming --output-dir, exit 64, nothing written",
              r.returncode == 64 and no_crash(r) and lines and lines[0].startswith("Error:") and "--output-dir" in lines[0]
              and sum(line.startswith("Error:") for line in lines) == 1 and os.listdir(work) == [],
              f"status {r.returncode} {r.stderr[-300:]!r} {os.listdir(work)}")



def main():
    start = time.time()
    with tempfile.TemporaryDirectory(prefix="backprop-faults-") as d:
        for test in (test_output_dirs, test_empty_output_dir, test_overwrites, test_stale_temporaries, test_concurrent_writers,
                     test_divergence, test_sigint, test_sigterm_sighup, test_sigterm_during_save, test_kill_training):
            t = time.time()
            test(d)
            print(f"     ({time.time() - t:.1f} s)")
        t = time.time()
        test_kill_save(d, SAVE_KILLS)
        print(f"     ({time.time() - t:.1f} s)")
    TALLY.finish(f" ({time.time() - start:.1f} s)")


if __name__ == "__main__":
    main()
