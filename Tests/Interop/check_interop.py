#!/usr/bin/env python3
"""End-to-end and interoperability checks of the `backprop` command, run by .ci/run.

train -> evaluate -> predict -> grads on small data, then:
  * the safetensors model loads in Python (safetensors.numpy) with PyTorch state_dict names and
    layouts, and a NumPy forward pass over those weights equals `backprop predict`;
  * `backprop grads` equals an independent NumPy implementation of the course's backward pass,
    under both 1/m conventions;
  * PyTorch (CI installs torch==2.13.0+cpu; a missing torch fails the run): nn.Sequential's
    load_state_dict accepts the file and gives the same predictions, and torch.autograd gives the
    same gradients.
Prints 'N passed, M failed' and exits non-zero on any failure.
Usage: check_interop.py PATH_TO_BACKPROP_BINARY
"""
import json
import os
import subprocess
import sys

import tempfile

import numpy as np
from safetensors.numpy import load_file, save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tally import Tally  # noqa: E402  (the shared ok/FAIL tally beside this script)

BINARY = os.path.abspath(sys.argv[1])
TALLY = Tally()
check = TALLY.check




def run(*args, expect_ok=True):
    result = subprocess.run([BINARY, *args], capture_output=True, text=True)
    if expect_ok and result.returncode != 0:
        print(result.stdout, result.stderr)
    return result


def activation(name, z):
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "softmax":
        e = np.exp(z - z.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)
    if name == "identity":
        return z
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    raise ValueError(name)


def derivative(name, z, a):
    return {"tanh": 1 - a ** 2, "relu": (z > 0).astype(float), "sigmoid": a * (1 - a), "identity": np.ones_like(z),
            "leaky_relu": np.where(z > 0, 1.0, 0.01)}[name]


def random_problem(rng, sizes, output, m, tmp, prefix):
    """Random parameters (course dictionary: W (n_l, n_{l-1}), b (n_l, 1)), X and labels Y for
    `output`, written to <prefix>params.npz, <prefix>X.npy and <prefix>Y.npy; returns them and the paths."""
    params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = rng.standard_normal((sizes[l], sizes[l - 1])) * 0.5
        params[f"b{l}"] = rng.standard_normal((sizes[l], 1)) * 0.1
    X = rng.standard_normal((sizes[0], m))
    if output == "softmax":
        Y = np.eye(sizes[-1])[:, rng.integers(0, sizes[-1], m)]
    else:
        Y = (rng.random((sizes[-1], m)) > 0.5).astype(float)
    paths = [os.path.join(tmp, f"{prefix}{name}") for name in ("params.npz", "X.npy", "Y.npy")]
    np.savez(paths[0], **params)
    np.save(paths[1], X)
    np.save(paths[2], Y)
    return params, X, Y, paths


def numpy_forward(params, activations, X):
    A = X
    cache = [(None, X)]
    for l, g in enumerate(activations, start=1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = activation(g, Z)
        cache.append((Z, A))
    return cache


def numpy_backward(params, activations, X, Y, convention):
    """The course's vectorised backward pass, written independently of Backprop."""
    m = X.shape[1]
    cache = numpy_forward(params, activations, X)
    L = len(activations)
    grads = {}
    dZ = cache[L][1] - Y
    if convention == "absorbed":
        dZ = dZ / m
    scale = 1 / m if convention == "deferred" else 1.0
    for l in range(L, 0, -1):
        A_prev = cache[l - 1][1]
        grads[f"dZ{l}"] = dZ
        grads[f"dW{l}"] = scale * dZ @ A_prev.T
        grads[f"db{l}"] = scale * dZ.sum(axis=1, keepdims=True)
        dA = params[f"W{l}"].T @ dZ
        grads[f"dA{l - 1}"] = dA
        if l > 1:
            Z, A = cache[l - 1]
            dZ = dA * derivative(activations[l - 2], Z, A)
    return grads


with tempfile.TemporaryDirectory() as tmp:
    run_dir = os.path.join(tmp, "run")
    # 1. train on a small built-in set, then evaluate and predict from the saved model.
    r = run("train", "--data", "moons", "--units", "8,6", "--hidden", "tanh", "--optimizer", "adam",
            "--learning-rate", "0.02", "--epochs", "30", "--batch-size", "32", "--validation-split", "0.2",
            "--output-dir", run_dir)
    check("train exits 0", r.returncode == 0, r.stderr)
    for name in ["model.safetensors", "checkpoint.safetensors", "metrics.csv", "report.md", "report.json",
                 "loss.svg", "accuracy.svg", "gradients.svg", "boundary.svg"]:
        check(f"run folder has {name}", os.path.exists(os.path.join(run_dir, name)))
    report = json.load(open(os.path.join(run_dir, "report.json")))
    check("report names the BLAS and the seed", bool(report.get("blas")) and report.get("seed") == 1)
    model = os.path.join(run_dir, "model.safetensors")
    r = run("evaluate", "--weights", model, "--data", "moons")
    check("evaluate exits 0 and reports accuracy", r.returncode == 0 and "accuracy" in r.stdout, r.stderr)

    # 2. the model in Python: state_dict names and layouts.
    tensors = load_file(model)
    check("state_dict keys", sorted(tensors) == ["0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"],
          str(sorted(tensors)))
    check("0.weight is (out, in) = (8, 2)", tensors["0.weight"].shape == (8, 2))
    check("0.bias is (8,)", tensors["0.bias"].shape == (8,))
    with open(model, "rb") as f:
        header = json.loads(f.read(int.from_bytes(f.read(8), "little")))
    meta = header["__metadata__"]
    check("metadata has the architecture", meta.get("sizes") == "2,8,6,1" and meta.get("activations") == "tanh,tanh,sigmoid")

    X = np.random.default_rng(3).standard_normal((2, 50))
    np.save(os.path.join(tmp, "X.npy"), X)
    out = os.path.join(tmp, "A.npy")
    r = run("predict", "--weights", model, "--input", os.path.join(tmp, "X.npy"), "--out", out)
    check("predict writes A.npy", r.returncode == 0 and os.path.exists(out), r.stderr)
    params = {}
    for l, key in enumerate(["0", "2", "4"], start=1):
        params[f"W{l}"] = tensors[f"{key}.weight"].astype(np.float64)
        params[f"b{l}"] = tensors[f"{key}.bias"].astype(np.float64).reshape(-1, 1)
    A_numpy = numpy_forward(params, ["tanh", "tanh", "sigmoid"], X)[-1][1]
    A_backprop = np.load(out)
    check("NumPy forward over the safetensors weights equals backprop predict",
          A_backprop.shape == A_numpy.shape and np.allclose(A_backprop, A_numpy, rtol=1e-12, atol=1e-14),
          f"max diff {np.abs(A_backprop - A_numpy).max() if A_backprop.shape == A_numpy.shape else A_backprop.shape}")

    # 3. a safetensors file written by Python loads in Backprop.
    py_model = os.path.join(tmp, "python.safetensors")
    save_file({k: v for k, v in tensors.items()}, py_model, metadata=meta)
    r = run("predict", "--weights", py_model, "--input", os.path.join(tmp, "X.npy"), "--out", os.path.join(tmp, "A2.npy"))
    check("a Python-written safetensors loads and predicts the same",
          r.returncode == 0 and np.allclose(np.load(os.path.join(tmp, "A2.npy")), A_backprop, rtol=0, atol=0), r.stderr)

    # 4. grads on the course's parameters dictionary vs NumPy, both conventions, several shapes.
    rng = np.random.default_rng(7)
    cases = [([3, 1], "tanh", "sigmoid"), ([4, 3], "relu", "softmax")]  # depth 1: no hidden layer
    shapes = {2: [2, 4, 1], 3: [5, 7, 6, 3], 4: [3, 4, 4, 2, 1]}
    for depth, hidden in [(2, "tanh"), (3, "relu"), (4, "sigmoid"), (2, "leaky_relu"), (3, "identity"),
                          (3, "tanh"), (4, "relu"), (2, "sigmoid")]:
        for output in ["sigmoid", "softmax"]:
            sizes = list(shapes[depth])
            if output == "softmax" and sizes[-1] == 1:
                sizes[-1] = 3
            cases.append((sizes, hidden, output))
    for sizes, hidden, output in cases:
        params, X, Y, (params_path, x_path, y_path) = random_problem(rng, sizes, output, 13, tmp, "g")
        activations = [hidden] * (len(sizes) - 2) + [output]
        for convention in ["deferred", "absorbed"]:
            ledger_path = os.path.join(tmp, "ledger.npz")
            r = run("grads", "--weights", params_path, "--hidden", hidden, "--output", output,
                    "--x", x_path, "--y", y_path, "--convention", convention, "--out", ledger_path)
            label = f"grads {'-'.join(map(str, sizes))} {hidden}/{output} {convention}"
            if r.returncode != 0:
                check(label, False, r.stderr)
                continue
            ledger = np.load(ledger_path)
            reference = numpy_backward(params, activations, X, Y, convention)
            worst = max(np.abs(ledger[k] - v).max() / max(np.abs(v).max(), 1e-300) for k, v in reference.items())
            check(f"{label}: every dZ, dA, dW, db equals NumPy (worst relative {worst:.1e})", worst < 1e-10)
            check(f"{label}: db is (n, 1) and dA0 is (n_x, m)", ledger["db1"].shape == (sizes[1], 1) and ledger["dA0"].shape == X.shape)

    # 5. PyTorch: required (a skipped check would pass CI silently).
    try:
        import torch
    except ImportError:
        check("PyTorch is installed (python3 -m pip install torch==2.13.0+cpu)", False)
    else:
        modules = []
        for (i, o), g in zip([(2, 8), (8, 6), (6, 1)], ["tanh", "tanh", "sigmoid"]):
            modules += [torch.nn.Linear(i, o), {"tanh": torch.nn.Tanh(), "sigmoid": torch.nn.Sigmoid()}[g]]
        net = torch.nn.Sequential(*modules).double()
        net.load_state_dict({k: torch.from_numpy(v.astype(np.float64)) for k, v in tensors.items()})
        Xt = torch.from_numpy(np.load(os.path.join(tmp, "X.npy")).T)
        A_torch = net(Xt).detach().numpy().T
        check("PyTorch nn.Sequential.load_state_dict predictions equal backprop's", np.allclose(A_torch, A_backprop, rtol=1e-12, atol=1e-14))

        # torch.autograd against `backprop grads`: the same parameters, data and mean loss.
        for sizes, hidden, output in [([3, 5, 4, 3], "tanh", "softmax"), ([4, 6, 1], "relu", "sigmoid")]:
            params, X, Y, (params_path, x_path, y_path) = random_problem(rng, sizes, output, 11, tmp, "t")
            ledger_path = os.path.join(tmp, "tledger.npz")
            label = f"torch.autograd {'-'.join(map(str, sizes))} {hidden}/{output}"
            r = run("grads", "--weights", params_path, "--hidden", hidden, "--output", output,
                    "--x", x_path, "--y", y_path, "--out", ledger_path)
            if r.returncode != 0:
                check(label, False, r.stderr)
                continue
            ledger = np.load(ledger_path)
            layers = []
            for l in range(1, len(sizes)):
                layer = torch.nn.Linear(sizes[l - 1], sizes[l]).double()
                with torch.no_grad():
                    layer.weight.copy_(torch.from_numpy(params[f"W{l}"]))
                    layer.bias.copy_(torch.from_numpy(params[f"b{l}"][:, 0]))
                layers.append(layer)
            a = torch.from_numpy(X.T.copy())
            for l, layer in enumerate(layers):
                a = layer(a)
                if l < len(layers) - 1:
                    a = {"tanh": torch.tanh, "relu": torch.relu}[hidden](a)
            target = torch.from_numpy(Y.T.copy())
            if output == "softmax":
                loss = torch.nn.functional.cross_entropy(a, target)  # probabilities as targets, mean over m
            else:
                loss = torch.nn.functional.binary_cross_entropy_with_logits(a, target)
            loss.backward()
            worst = 0.0
            for l, layer in enumerate(layers, start=1):
                for mine, theirs in [(ledger[f"dW{l}"], layer.weight.grad.numpy()), (ledger[f"db{l}"][:, 0], layer.bias.grad.numpy())]:
                    worst = max(worst, np.abs(mine - theirs).max() / max(np.abs(theirs).max(), 1e-300))
            check(f"{label}: dW, db equal PyTorch's autograd of the mean loss (worst relative {worst:.1e})", worst < 1e-10)

    # 6. bad input: one line on stderr, non-zero exit, no stack trace.
    for args in [["train", "--data", "no-such-file.csv"], ["train", "--layers", "2,x,1"], ["predict", "--weights", "missing.safetensors", "--input", "x.npy"],
                 ["grads", "--weights", model, "--x", os.path.join(tmp, "gX.npy"), "--y", os.path.join(tmp, "gY.npy")],
                 ["train", "--bogus-flag"], ["evaluate", "--weights", os.path.join(tmp, "X.npy"), "--data", "moons"]]:
        r = run(*args, expect_ok=False)
        error_lines = [line for line in r.stderr.splitlines() if line.startswith("Error:")]
        check(f"bad input {' '.join(args[:3])}...: non-zero exit with an error line",
              r.returncode != 0 and len(error_lines) == 1 and "Fatal error" not in r.stderr, f"rc={r.returncode} stderr={r.stderr!r}")

    # 7. batch norm: the checkpoint keeps the running statistics, a resumed run is bit-identical
    #    to an uninterrupted one, and files or batches that cannot work are refused in one line.
    bn_args = ["--data", "moons", "--units", "6,5", "--hidden", "relu", "--batch-norm", "--optimizer", "adam",
               "--learning-rate", "0.01", "--batch-size", "48"]  # 400 examples: 8 batches of 48 and one of 16
    bn_whole, bn_half, bn_resumed = (os.path.join(tmp, name) for name in ("bn_whole", "bn_half", "bn_resumed"))
    r_whole = run("train", *bn_args, "--epochs", "6", "--output-dir", bn_whole)
    r_half = run("train", *bn_args, "--epochs", "3", "--output-dir", bn_half)
    check("batch norm: train --batch-norm exits 0 and says where batch norm sits and that the bias is dropped",
          r_whole.returncode == 0 and r_half.returncode == 0 and "β takes its place" in r_whole.stdout + r_whole.stderr,
          r_whole.stderr + r_half.stderr)
    checkpoint = load_file(os.path.join(bn_half, "checkpoint.safetensors"))
    check("batch norm: the checkpoint holds running_mean, running_var and num_batches_tracked (int64, 27 = 3 epochs × 9 batches)",
          all(f"{k}.{n}" in checkpoint for k in (1, 4) for n in ("running_mean", "running_var", "num_batches_tracked"))
          and checkpoint["1.num_batches_tracked"].dtype == np.int64 and int(checkpoint["4.num_batches_tracked"]) == 27
          and not np.allclose(checkpoint["1.running_var"], 1), str(sorted(checkpoint)))
    r = run("train", "--data", "moons", "--resume", os.path.join(bn_half, "checkpoint.safetensors"), "--epochs", "6",
            "--output-dir", bn_resumed)
    whole_model = load_file(os.path.join(bn_whole, "model.safetensors"))
    resumed_model = load_file(os.path.join(bn_resumed, "model.safetensors")) if r.returncode == 0 else {}
    check("batch norm: train --resume after 3 epochs ends bit-identical to 6 uninterrupted epochs (every tensor, running state included)",
          r.returncode == 0 and sorted(whole_model) == sorted(resumed_model)
          and all(whole_model[k].tobytes() == resumed_model[k].tobytes() for k in whole_model), r.stderr)
    with open(os.path.join(bn_whole, "metrics.csv")) as a, open(os.path.join(bn_resumed, "metrics.csv")) as b:
        # every column but the seconds
        losses = [[row.split(",")[:6] + row.split(",")[7:] for row in f.read().splitlines()] for f in (a, b)]
    check("batch norm: the resumed run's metrics.csv has the same losses, accuracies and gradient norms", losses[0] == losses[1],
          f"{losses[0][-1]} vs {losses[1][-1]}")

    bn_model = os.path.join(bn_whole, "model.safetensors")
    x_bn = os.path.join(tmp, "X.npy")
    for missing, source in [("4.running_var", bn_model), ("1.num_batches_tracked", bn_model),
                            ("1.running_mean", os.path.join(bn_half, "checkpoint.safetensors"))]:
        tensors_bn = load_file(source)
        with open(source, "rb") as f:
            meta_bn = json.loads(f.read(int.from_bytes(f.read(8), "little")))["__metadata__"]
        stripped = os.path.join(tmp, f"stripped_{missing}.safetensors")
        save_file({k: v for k, v in tensors_bn.items() if k != missing}, stripped, metadata=meta_bn)
        if source == bn_model:
            r = run("predict", "--weights", stripped, "--input", x_bn, expect_ok=False)
            what = "a model"
        else:
            r = run("train", "--data", "moons", "--resume", stripped, "--epochs", "4", "--output-dir",
                    os.path.join(tmp, "bn_refused"), expect_ok=False)
            what = "a checkpoint (--resume)"
        errors = [line for line in r.stderr.splitlines() if line.startswith("Error:")]
        check(f"batch norm: {what} without {missing} is refused in one line naming it",
              r.returncode != 0 and len(errors) == 1 and missing in errors[0] and "Fatal error" not in r.stderr,
              f"rc={r.returncode} stderr={r.stderr!r}")
    for batch in ["1", "399"]:  # a batch of one, and 400 examples leaving a last batch of one
        r = run("train", "--data", "moons", "--units", "4", "--batch-norm", "--batch-size", batch, "--epochs", "1",
                "--output-dir", os.path.join(tmp, f"bn_batch_{batch}"), expect_ok=False)
        errors = [line for line in r.stderr.splitlines() if line.startswith("Error:")]
        check(f"batch norm: train --batch-norm --batch-size {batch} is refused in one line (σ² = 0 in a batch of one)",
              r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1 and len(errors) == 1
              and "at least 2 examples per batch" in errors[0], f"rc={r.returncode} stderr={r.stderr!r}")

TALLY.finish()
