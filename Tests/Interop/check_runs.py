#!/usr/bin/env python3
"""Runs that describe themselves (issue 13), checked from the command line, run by .ci/run:

  * the README's PyTorch snippet, run as written on `backprop export --pytorch` files of every
    model kind (softmax, sigmoid, regression, batch norm with and without the bias, the flower
    set without standardisation, float32 and float64), gives `backprop predict`'s output on raw
    features (to 1e-6 in float32, 1e-12 in float64);
  * `train --resume CKPT` alone continues bit for bit (the model and the loss column equal an
    uninterrupted run's), on the run's own data, and contradicting flags are refused;
  * `evaluate --split train|validation|test` reproduces report.json's figures;
  * the TensorBoard event file, read back by tensorboard's event_accumulator, holds
    metrics.csv's values; metrics.csv grows while the run goes;
  * flags that do not apply are errors; run folders never collide; SIGTERM leaves a complete
    snapshot.
Prints 'N passed, M failed' and exits non-zero on any failure.
Usage: check_runs.py PATH_TO_BACKPROP_BINARY
"""
import csv
import json
import os
import re
import shutil
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
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TALLY = Tally()


def check(condition, name, detail=""):
    return TALLY.check(name, condition, detail)


def run(*args, cwd=None):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, cwd=cwd)


def readme_snippet():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    return next(b for b in blocks if "load_state_dict" in b)


def write_csv(path, X, labels, names):
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        for row, label in zip(X, labels):
            f.write(",".join(f"{v:.6g}" for v in row) + ("," + str(label) if label is not None else "") + "\n")


def tables(tmp):
    rng = np.random.default_rng(7)
    n = 160
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, 4)) * [1, 2, 5, 0.5] + [5, 3, 40, 1] + np.eye(3)[y] @ np.array([[0, 0, 0, 0], [1.5, 2, 0, 0], [3, 0, 8, 1]])
    species = np.array(["setosa", "versicolor", "virginica"])[y]
    write_csv(os.path.join(tmp, "iris.csv"), X, species, ["a", "b", "c", "d", "species"])
    write_csv(os.path.join(tmp, "binary.csv"), X, np.where(y == 2, "malignant", "benign"), ["a", "b", "c", "d", "diagnosis"])
    target = 2 * X[:, 0] - 0.3 * X[:, 2] + rng.normal(size=n) * 0.1
    write_csv(os.path.join(tmp, "regression.csv"), X, [f"{t:.5f}" for t in target], ["a", "b", "c", "d", "target"])
    write_csv(os.path.join(tmp, "features4.csv"), X[:25], [None] * 25, ["a", "b", "c", "d"])
    flower = rng.normal(size=(25, 2)) * 2
    write_csv(os.path.join(tmp, "features2.csv"), flower, [None] * 25, ["x1", "x2"])


def check_pytorch(tmp):
    import torch  # noqa: F401  (CI installs torch==2.13.0+cpu; a missing torch fails the run)
    snippet = readme_snippet()
    kinds = [
        ("softmax float32", ["--data", "iris.csv", "--precision", "float", "--epochs", "30"], "features4.csv", 1e-6),
        ("sigmoid float32", ["--data", "binary.csv", "--precision", "float", "--epochs", "30"], "features4.csv", 1e-6),
        ("regression float64", ["--data", "regression.csv", "--task", "regression", "--epochs", "30"], "features4.csv", 1e-12),
        ("batch norm float32", ["--data", "iris.csv", "--precision", "float", "--batch-norm", "--epochs", "5"], "features4.csv", 1e-6),
        ("batch norm with bias float64", ["--data", "iris.csv", "--batch-norm", "--bias-before-batch-norm", "--epochs", "5"], "features4.csv", 1e-12),
        ("flower, no standardisation", ["--epochs", "50"], "features2.csv", 1e-12),
        ("tanh, no standardisation", ["--data", "iris.csv", "--no-standardize", "--hidden", "tanh", "--units", "5,3", "--epochs", "20"], "features4.csv", 1e-12),
    ]
    for index, (name, flags, inputs, tolerance) in enumerate(kinds):
        folder = os.path.join(tmp, f"py{index}")
        r = run("train", *flags, "--output-dir", folder, cwd=tmp)
        if not check(r.returncode == 0, f"PyTorch [{name}]: trains", r.stderr.strip()):
            continue
        model = os.path.join(folder, "model.safetensors")
        r = run("export", "--weights", model, "--pytorch", "model-pytorch.safetensors", "--force", cwd=tmp)
        check(r.returncode == 0, f"PyTorch [{name}]: export --pytorch", r.stderr.strip())
        r = run("predict", "--weights", model, "--input", inputs, "--out", "A.npy", cwd=tmp)
        check(r.returncode == 0, f"PyTorch [{name}]: predict", r.stderr.strip())
        expected = np.load(os.path.join(tmp, "A.npy")).T
        scope = {}
        shutil.copyfile(os.path.join(tmp, inputs), os.path.join(tmp, "new.csv"))  # the snippet reads new.csv
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            exec(snippet, scope)
        finally:
            os.chdir(cwd)
        got = scope["A"].numpy()
        worst = float(np.max(np.abs(got - expected))) if got.shape == expected.shape else float("inf")
        check(worst <= tolerance, f"PyTorch [{name}]: README snippet on raw features = backprop predict (max |Δ| {worst:.2e} ≤ {tolerance:g})")


def tensors(path):
    return {k: v for k, v in load_file(path).items() if not k.startswith("optimizer.")}


def losses(folder):
    with open(os.path.join(folder, "metrics.csv")) as f:
        return [(row["epoch"], row["train_loss"], row["learning_rate"]) for row in csv.DictReader(f)]


def check_resume(tmp):
    common = ["--data", "moons", "--units", "8", "--batch-size", "32", "--seed", "5", "--precision", "float", "--validation-split", "0.2"]
    a, b = os.path.join(tmp, "whole"), os.path.join(tmp, "part")
    r1 = run("train", *common, "--epochs", "12", "--output-dir", a)
    r2 = run("train", *common, "--epochs", "5", "--output-dir", b)
    check(r1.returncode == 0 and r2.returncode == 0, "resume: both runs train", r1.stderr + r2.stderr)
    r3 = run("train", "--resume", os.path.join(b, "checkpoint.safetensors"), "--epochs", "12")
    check(r3.returncode == 0, "resume: --resume CKPT --epochs 12 alone runs", r3.stderr.strip())
    check("data moons" in r3.stdout and "float32" in r3.stdout, "resume: continues on the run's own data (moons) and precision (float32)")
    check("--epochs 12 (the checkpoint was to run 5)" in r3.stdout, "resume: the changed epoch count is reported")
    check(f"run folder {b}" in r3.stdout, "resume: writes into the checkpoint's own folder")
    ta, tb = tensors(os.path.join(a, "model.safetensors")), tensors(os.path.join(b, "model.safetensors"))
    same = ta.keys() == tb.keys() and all(np.array_equal(ta[k], tb[k]) for k in ta)
    check(same, "resume: the resumed model equals the uninterrupted run's bit for bit")
    check(losses(a) == losses(b), "resume: metrics.csv's losses equal the uninterrupted run's, epoch by epoch (12 rows)")
    for flags, what in [(["--data", "flower"], "--data flower contradicts"), (["--layers", "2,3,1"], "--layers 2,3,1 contradicts"),
                        (["--precision", "double"], "--precision double contradicts"), (["--batch-size", "16"], "--batch-size 16 contradicts"),
                        (["--validation-split", "0.1"], "--validation-split 0.1 contradicts"), (["--seed", "9"], "--seed 9 contradicts")]:
        r = run("train", "--resume", os.path.join(b, "checkpoint.safetensors"), *flags, "--epochs", "13")
        check(r.returncode != 0 and what in r.stderr and r.stderr.count("\n") == 1, f"resume: {' '.join(flags)} is refused in one line", r.stderr.strip())
    r = run("train", "--resume", os.path.join(b, "checkpoint.safetensors"), "--learning-rate", "0.0005", "--epochs", "13")
    check(r.returncode == 0 and "--learning-rate 0.0005 (the checkpoint used 0.001)" in r.stdout, "resume: a new learning rate is taken and reported", r.stderr.strip())


def check_evaluate(tmp):
    folder = os.path.join(tmp, "eval")
    r = run("train", "--data", "iris.csv", "--seed", "3", "--test-split", "0.2", "--validation-split", "0.1", "--precision", "float",
            "--epochs", "40", "--output-dir", folder, cwd=tmp)
    check(r.returncode == 0, "evaluate: the run trains", r.stderr.strip())
    report = json.load(open(os.path.join(folder, "report.json")))
    for result in report["results"]:
        e = run("evaluate", "--weights", os.path.join(folder, "model.safetensors"), "--split", result["split"], cwd=tmp)
        m = re.search(r"loss ([0-9.]+)\s+accuracy ([0-9.]+)%", e.stdout)
        ok = m and abs(float(m.group(1)) - result["loss"]) < 5e-7 and abs(float(m.group(2)) - 100 * result["accuracy"]) < 5e-3
        check(bool(ok), f"evaluate --split {result['split']} reproduces the report ({result['examples']} examples, accuracy {100 * result['accuracy']:.2f}%)",
              e.stdout + e.stderr)
        macro = re.search(r"macro avg\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)", e.stdout)
        check(bool(macro) and abs(float(macro.group(3)) - result["macro_f1"]) < 5e-5, f"evaluate --split {result['split']}: macro F1 as in the report")
    # The thread count changes how the BLAS splits the work, not the figures.
    one = run("evaluate", "--weights", os.path.join(folder, "model.safetensors"), "--split", "test", "--threads", "1", cwd=tmp)
    two = run("evaluate", "--weights", os.path.join(folder, "model.safetensors"), "--split", "test", "--threads", "2", cwd=tmp)
    check(one.returncode == 0 and two.returncode == 0 and one.stdout == two.stdout and "accuracy" in one.stdout,
          "evaluate --threads 1 and --threads 2 print the same figures", (one.stderr + two.stderr).strip()[:300])
    e = run("evaluate", "--weights", os.path.join(folder, "model.safetensors"), "--split", "test", "--test-split", "0.3", cwd=tmp)
    check(e.returncode != 0 and "contradicts" in e.stderr, "evaluate --split with another --test-split is refused", e.stderr.strip())


def check_tensorboard(tmp):
    from tensorboard.backend.event_processing import event_accumulator
    folder = os.path.join(tmp, "eval")
    events = [n for n in os.listdir(folder) if n.startswith("events.out.tfevents.")]
    check(len(events) == 1, "TensorBoard: one event file in the run folder", str(events))
    acc = event_accumulator.EventAccumulator(folder)
    acc.Reload()
    tags = acc.Tags()["scalars"]
    with open(os.path.join(folder, "metrics.csv")) as f:
        rows = list(csv.DictReader(f))
    for tag, column in [("loss/train", "train_loss"), ("accuracy/train", "train_accuracy"), ("loss/validation", "validation_loss"),
                        ("accuracy/validation", "validation_accuracy"), ("learning_rate", "learning_rate"), ("grad_norm/dW1", "grad_norm_dW1"),
                        ("grad_norm/dW2", "grad_norm_dW2")]:
        if not check(tag in tags, f"TensorBoard: scalar {tag}", str(tags)):
            continue
        values = acc.Scalars(tag)
        ok = len(values) == len(rows) and all(v.step == int(r["epoch"]) and abs(v.value - float(r[column])) <= 1e-6 * max(1, abs(float(r[column])))
                                              for v, r in zip(values, rows))
        check(ok, f"TensorBoard: {tag} equals metrics.csv's {column} at every epoch ({len(rows)} steps, float32)")


def check_flags(tmp):
    model = os.path.join(tmp, "eval", "model.safetensors")
    cases = [
        (["predict", "--weights", model, "--input", "features4.csv", "--output", "p.csv"], "--output p.csv applies only to a course .npz model"),
        (["evaluate", "--weights", model, "--hidden", "relu", "--split", "test"], "--hidden relu applies only"),
        (["predict", "--weights", model, "--input", "iris.csv"], "still has its label column"),
        (["train", "--patience", "5", "--epochs", "3"], "--patience needs validation data"),
        (["train", "--data", "moons", "--label", "y"], "--label does not apply"),
        (["train", "--data", "moons", "--task", "regression"], "--task regression needs numeric labels"),
    ]
    for args, expected in cases:
        r = run(*args, cwd=tmp)
        check(r.returncode != 0 and expected in r.stderr and r.stderr.count("\n") == 1, f"flags: {' '.join(args[:1] + args[-2:])} is an error ({expected})", r.stderr.strip())
    r = run("train", "--data", "regression.csv", "--epochs", "2", "--output-dir", "cont", cwd=tmp)
    check(r.returncode == 0 and "looks continuous" in r.stdout and "--task regression" in r.stdout, "a continuous label column warns and suggests --task regression")
    r = run("evaluate", "--weights", os.path.join(tmp, "py2", "model.safetensors"), "--split", "train", cwd=tmp)
    check(r.returncode == 0 and "R²" in r.stdout and "MAE" in r.stdout, "regression: evaluate gives R² and MAE", r.stdout + r.stderr)


def check_folders(tmp):
    work = os.path.join(tmp, "folders")
    os.makedirs(work)
    procs = [subprocess.Popen([BINARY, "train", "--epochs", "3"], cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(3)]
    codes = [p.wait() for p in procs]
    made = sorted(os.listdir(os.path.join(work, "runs")))
    check(codes == [0, 0, 0] and len(made) == 3, f"run folders: three runs started together get three folders ({', '.join(made)})")
    r = run("train", "--epochs", "3", "--output-dir", os.path.join("runs", made[0]), cwd=work)
    check(r.returncode != 0 and "--overwrite" in r.stderr, "run folders: an --output-dir holding a run is refused without --overwrite", r.stderr.strip())
    r = run("train", "--epochs", "3", "--output-dir", os.path.join("runs", made[0]), "--overwrite", cwd=work)
    check(r.returncode == 0, "run folders: --overwrite replaces it", r.stderr.strip())


def check_live(tmp):
    folder = os.path.join(tmp, "live")
    p = subprocess.Popen([BINARY, "train", "--data", "moons", "--units", "64,64", "--batch-size", "8", "--epochs", "100000",
                          "--checkpoint-every", "1000000", "--output-dir", folder], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = p.stdout.readline()
    check(first.startswith("backprop "), "live: piped stdout shows the banner at once (line-buffered)", first)
    rows = []
    deadline = time.time() + 60
    while time.time() < deadline and len(rows) < 4:
        time.sleep(0.3)
        if os.path.exists(os.path.join(folder, "metrics.csv")):
            rows = open(os.path.join(folder, "metrics.csv")).read().splitlines()
    check(len(rows) >= 4, f"live: metrics.csv grows during the run ({len(rows) - 1} rows before the end)")
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=60)
    check(p.returncode == 143, "live: SIGTERM stops the run with status 143", err.strip())
    present = sorted(n for n in os.listdir(folder) if not n.startswith("."))
    wanted = {"model.safetensors", "checkpoint.safetensors", "metrics.csv", "report.md", "report.json", "loss.svg", "accuracy.svg", "gradients.svg"}
    check(wanted <= set(present), f"live: after SIGTERM the folder is a complete snapshot ({', '.join(present)})")
    check("--resume" in out, "live: the interrupt message gives the --resume command")


def check_help():
    commands = ["train", "evaluate", "predict", "export", "summary", "grads", "info", "gradcheck", "ledger", "explain", "check", "bench"]
    for command in commands:
        text = run(command, "--help").stdout
        block = text.split("Examples:", 1)[1] if "Examples:" in text else ""
        lines = []
        for line in block.splitlines():
            if line and not line.startswith(" "):
                break  # the next section (OPTIONS:, USAGE:)
            lines.append(line)
        wrapped = [l for l in lines if l.strip() and not l.startswith("  ")]
        check(block != "" and not wrapped, f"--help of {command}: the examples are not wrapped in the middle of a command", str(wrapped))


def check_progress(tmp):
    """On a terminal: one live bar for the run, at most four redraws a second, ~20 epoch lines."""
    import pty
    primary, secondary = pty.openpty()
    start = time.time()
    p = subprocess.Popen([BINARY, "train", "--output-dir", os.path.join(tmp, "tty")], stdout=secondary, stderr=subprocess.PIPE, cwd=tmp)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    p.wait()
    seconds = time.time() - start
    text = b"".join(chunks).decode(errors="replace")
    draws = text.count("\r\x1b[2K")
    epoch_lines = len(re.findall(r"epoch \d+/10000  loss", text))
    check(p.returncode == 0, "progress: the default run on a terminal completes")
    check(18 <= epoch_lines <= 22, f"progress: the default run prints about 20 epoch lines on a terminal ({epoch_lines}, not 10,000)")
    # Each epoch line clears the bar before it and redraws it after (two draws), and the bar is
    # redrawn at most four times a second besides: a fast machine runs the default in about a
    # second, where the rate alone leaves no room for the lines' own draws.
    check(draws <= 6 * seconds + 2 * epoch_lines + 4,
          f"progress: at most a few redraws a second besides the epoch lines' ({draws} in {seconds:.1f} s, {epoch_lines} lines)")
    bars = re.findall(r"\r\x1b\[2K\s*(\d+)% \|[█·]+\| epoch (\d+)/10000  ([0-9.]+k?M?) ex/s  (\d\d:\d\d)<(\d\d:\d\d)", text)
    check(len(bars) >= 1, f"progress: the bar shows the run's fraction, examples/s and elapsed<remaining ({len(bars)} draws seen)",
          repr(text[-300:]))
    if shutil.which("tmux"):
        session = f"backprop-check-{os.getpid()}"
        subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "30", "-c", tmp], check=True)
        try:
            subprocess.run(["tmux", "send-keys", "-t", session,
                            f"{BINARY} train --data moons --units 64,64 --batch-size 8 --epochs 40 --output-dir tmux-run", "Enter"], check=True)
            screen = ""
            deadline = time.time() + 60
            while time.time() < deadline:
                time.sleep(0.5)
                screen = subprocess.run(["tmux", "capture-pane", "-t", session, "-p"], capture_output=True, text=True).stdout
                if re.search(r"\d+% \|[█·]+\| epoch \d+/40", screen):
                    break
            check(re.search(r"\d+% \|[█·]+\| epoch \d+/40 .* ex/s  \d\d:\d\d<\d\d:\d\d", screen) is not None,
                  "progress under tmux: capture-pane shows one live bar with the run's ETA", screen[-600:])
            check(len(re.findall(r"% \|", screen)) == 1, "progress under tmux: a single bar line on the screen")
            subprocess.run(["tmux", "send-keys", "-t", session, "C-c", ""], check=True)
            time.sleep(3)
            screen = subprocess.run(["tmux", "capture-pane", "-t", session, "-p"], capture_output=True, text=True).stdout
            check("interrupted: checkpoint saved" in screen and "% |" not in screen.split("interrupted:")[-1],
                  "progress under tmux: Ctrl-C clears the bar and says where the checkpoint is", screen[-600:])
            print("\n".join(line for line in screen.splitlines() if line.strip()))
        finally:
            subprocess.run(["tmux", "kill-session", "-t", session])
    else:
        check(False, "progress under tmux: tmux is installed (.ci/run installs it)")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tables(tmp)
        check_help()
        check_pytorch(tmp)
        check_resume(tmp)
        check_evaluate(tmp)
        check_tensorboard(tmp)
        check_flags(tmp)
        check_folders(tmp)
        check_live(tmp)
        check_progress(tmp)
    TALLY.finish()


if __name__ == "__main__":
    main()
