#!/usr/bin/env python3
"""Batch normalization cross-checked against PyTorch (float64, CPU), run by .ci/run.

On random batch-norm networks (2 to 4 dense layers; tanh, relu, sigmoid and leaky ReLU hidden
layers; sigmoid + BCE, softmax + CE and identity + MSE outputs; with and without the dense bias
before batch norm; m not a power of two):

  * the model file's `pytorch_modules` builds an nn.Sequential whose load_state_dict(strict=True)
    takes the file's tensors (PyTorch's names, layouts and int64 num_batches_tracked);
  * train mode: every tensor of `backprop grads --convention absorbed` (the forward's Z, Z̃, A,
    the parameter gradients dW, db, dγ, dβ and the intermediates dZ, dA, dZ̃) equals
    torch.autograd of the mean loss through nn.BatchNorm1d, and μ, σ², Ẑ, dẐ, dσ², dμ equal
    autograd through batch norm written out in torch operations (whose output is checked against
    nn.BatchNorm1d's): max |backprop − torch| / max |torch| ≤ 1e-12 per tensor. A dense bias
    before batch norm has a zero gradient (β absorbs it): both sides must give 0 to rounding.
    Under --convention deferred the parameter gradients are the same and every intermediate
    is m times torch's;
  * eval mode: `backprop predict` equals model.eval() with the file's running statistics;
  * running statistics: `backprop train --epochs 1` (full batch, a learning rate of 1e-300 so the
    weights stay the initial ones) leaves running_mean, running_var and num_batches_tracked equal
    to torch's after one train-mode forward of the same batch.
Prints the largest relative differences, then 'N passed, M failed'; exits non-zero on a failure
and when torch is missing (CI installs torch==2.13.0+cpu).
Usage: check_batchnorm_torch.py PATH_TO_BACKPROP_BINARY
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

try:
    import torch
except ImportError:
    print("FAIL torch is not installed: python3 -m pip install torch==2.13.0+cpu")
    sys.exit(1)

BINARY = os.path.abspath(sys.argv[1])
LIMIT = 1e-12
EPSILON = 1e-5
TALLY = Tally()
check = TALLY.check
worst = {}  # kind of quantity -> (largest relative difference, case)


def run(*args):
    result = subprocess.run([BINARY, *args], capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout, result.stderr)
        raise SystemExit(f"backprop {' '.join(args)} exited {result.returncode}")
    return result


def relative(mine, theirs):
    mine, theirs = np.asarray(mine, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    if mine.shape != theirs.shape:
        return float("inf")
    return float(np.abs(mine - theirs).max() / max(np.abs(theirs).max(), 1e-300))


def record(kind, value, label):
    if value > worst.get(kind, (-1.0, ""))[0]:
        worst[kind] = (value, label)


def header_metadata(path):
    with open(path, "rb") as f:
        return json.loads(f.read(int.from_bytes(f.read(8), "little")))["__metadata__"]


def sequential(metadata):
    """The nn.Sequential the file's `pytorch_modules` spells out, in float64."""
    namespace = {name: getattr(torch.nn, name) for name in dir(torch.nn)}
    return eval(f"Sequential({metadata['pytorch_modules']})", namespace).double()  # noqa: S307 - our own metadata


def data(rng, n_x, n_y, output, m):
    X = 1.5 * rng.standard_normal((n_x, m)) + 0.3
    if output == "softmax":
        Y = np.eye(n_y)[:, rng.integers(0, n_y, m)]
    elif output == "sigmoid":
        Y = (rng.random((n_y, m)) > 0.5).astype(np.float64)
    else:
        Y = rng.standard_normal((n_y, m))
    return X, Y


def loss_of(output, logits, target):
    """Backprop's J as a torch mean: BCE and CE fused with their output (on the logits); MSE is
    Backprop's ½ Σ_k (a − y)² per example, averaged over m, = (n_y / 2) · mse_loss(mean)."""
    F = torch.nn.functional
    if output == "sigmoid":
        return F.binary_cross_entropy_with_logits(logits, target, reduction="mean")
    if output == "softmax":
        return F.cross_entropy(logits, target, reduction="mean")
    return 0.5 * target.shape[1] * F.mse_loss(logits, target, reduction="mean")


def torch_pass(net, layers, X, Y, output, manual):
    """Train-mode forward and backward through `net` (its own modules), or, with `manual`,
    with batch norm written out (μ, σ², Ẑ as graph nodes). Returns the loss, the tensors by
    Backprop's ledger names in Backprop's layout (n, m) / (n, 1), and X's gradient."""
    net.train()
    net.zero_grad()
    x = torch.from_numpy(X.T.copy()).requires_grad_(True)
    nodes = {}
    linear = set()  # dense layers without an activation: their A is their Z
    modules = iter(net)
    a = x
    logits = None
    for l, layer in enumerate(layers, start=1):
        config = json.loads(layer["configuration"])
        if layer["kind"] == "dense":
            z = next(modules)(a)
            nodes[f"Z{l}"] = z
            if l == len(layers):
                logits = z
                a = next(modules)(z)
                linear.add(f"dA{l}")  # the loss's own gradient is not on the ledger (Identity returns z itself)
            elif config.get("activation"):
                a = next(modules)(z)
            else:
                a = z
                linear.add(f"dA{l}")
        else:
            bn = next(modules)
            if manual:
                mu = a.mean(dim=0)
                var = ((a - mu) ** 2).mean(dim=0)
                hat = (a - mu) / torch.sqrt(var + bn.eps)
                zt = bn.weight * hat + bn.bias
                nodes.update({f"μ[{l}]": mu, f"σ²[{l}]": var, f"Ẑ[{l}]": hat})
            else:
                zt = bn(a)
            nodes[f"Z̃[{l}]"] = zt
            a = next(modules)(zt)
        nodes[f"A{l}"] = a
        for node in (a, *[nodes[k] for k in nodes if k.endswith(f"[{l}]") or k == f"Z{l}"]):
            if node.requires_grad:
                node.retain_grad()
    loss = loss_of(output, logits, torch.from_numpy(Y.T.copy()))
    loss.backward()
    values, gradients = {}, {}
    for name, node in nodes.items():
        values[name] = node.detach().numpy().T.reshape(-1, X.shape[1] if node.dim() == 2 else 1)
        if node.grad is not None and "d" + name not in linear:
            gradients["d" + name] = node.grad.numpy().T.reshape(values[name].shape)
    return loss.item(), values, gradients, x.grad.numpy().T


def random_state(rng, net):
    """Random parameters and running statistics, in the state_dict's layout."""
    state = {}
    for name, tensor in net.state_dict().items():
        shape = tuple(tensor.shape)
        if name.endswith("num_batches_tracked"):
            state[name] = np.array(int(rng.integers(1, 50)), dtype=np.int64)
        elif name.endswith("running_var"):
            state[name] = rng.uniform(0.3, 2.5, shape)
        elif name.endswith("running_mean"):
            state[name] = 0.7 * rng.standard_normal(shape)
        elif isinstance(net[int(name.split(".")[0])], torch.nn.BatchNorm1d):
            state[name] = (1.0 if name.endswith("weight") else 0.0) + 0.4 * rng.standard_normal(shape)
        else:
            state[name] = 0.8 * rng.standard_normal(shape)
    return state


def cross_check(tmp, rng, index, sizes, hidden, output, bias, m):
    label = f"{'-'.join(map(str, sizes))} {hidden}/{output}{' +bias' if bias else ''} m={m}"
    prefix = os.path.join(tmp, f"c{index}")
    X, Y = data(rng, sizes[0], sizes[-1], output, m)
    np.savez(prefix + "data.npz", X=X, Y=Y)
    np.save(prefix + "X.npy", X)
    np.save(prefix + "Y.npy", Y)

    # 1. One full-batch training step from the initial weights: the running statistics.
    folder = prefix + "run"
    args = ["train", "--data", prefix + "data.npz", "--no-standardize", "--units", ",".join(map(str, sizes[1:-1])),
            "--hidden", hidden, "--output", output, "--batch-norm", "--epochs", "1", "--learning-rate", "1e-300",
            "--optimizer", "sgd", "--batch-size", "1000000",
            "--output-dir", folder]
    run(*(args + (["--bias-before-batch-norm"] if bias else [])))
    model = os.path.join(folder, "model.safetensors")
    metadata = header_metadata(model)
    layers = json.loads(metadata["layers"])
    trained = load_file(model)
    net = sequential(metadata)
    try:
        net.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in trained.items()}, strict=True)
        check(f"{label}: nn.Sequential({metadata['pytorch_modules']}).load_state_dict(strict=True)", True)
    except RuntimeError as error:
        check(f"{label}: load_state_dict(strict=True)", False, str(error).splitlines()[0])
        return
    norms = [module for module in net if isinstance(module, torch.nn.BatchNorm1d)]
    check(f"{label}: one BatchNorm1d per hidden layer, the dense bias {'kept' if bias else 'dropped'} before it",
          len(norms) == len(sizes) - 2 and all((net[i - 1].bias is not None) == bias for i, mod in enumerate(net)
                                               if isinstance(mod, torch.nn.BatchNorm1d)))
    for module in norms:
        module.reset_running_stats()
    net.train()
    with torch.no_grad():
        net(torch.from_numpy(X.T.copy()))
    state = net.state_dict()
    statistics = 0.0
    counts = True
    for name, tensor in state.items():
        if name.endswith(("running_mean", "running_var")):
            statistics = max(statistics, relative(trained[name], tensor.numpy()))
        elif name.endswith("num_batches_tracked"):
            counts &= trained[name].dtype == np.int64 and int(trained[name]) == int(tensor) == 1
    record("running_mean, running_var after one step", statistics, label)
    check(f"{label}: running_mean, running_var after one train step = torch's (relative {statistics:.1e})",
          statistics <= LIMIT)
    check(f"{label}: num_batches_tracked = 1 (int64), as torch's", counts)

    # 2. Random parameters and running statistics in a file with the same architecture.
    params = random_state(rng, net)
    random_model = prefix + "random.safetensors"
    save_file(params, random_model, metadata=metadata)
    net.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in params.items()}, strict=True)

    # 3. Train mode, absorbed: every ledger tensor against autograd.
    cost, values, grads, dX = torch_pass(net, layers, X, Y, output, manual=False)
    _, manual_values, manual_grads, _ = torch_pass(net, layers, X, Y, output, manual=True)
    parameter_grads = {name: p.grad.numpy().copy() for name, p in net.named_parameters()}
    module_vs_manual = max(relative(manual_values[k], values[k]) for k in values if k.startswith("Z̃"))
    check(f"{label}: batch norm in torch operations = nn.BatchNorm1d (relative {module_vs_manual:.1e})",
          module_vs_manual <= LIMIT)
    ledgers = {}
    for convention in ["absorbed", "deferred"]:
        path = f"{prefix}{convention}.npz"
        run("grads", "--weights", random_model, "--x", prefix + "X.npy", "--y", prefix + "Y.npy",
            "--convention", convention, "--out", path)
        ledgers[convention] = np.load(path)
    ledger = ledgers["absorbed"]
    check(f"{label}: cost = torch's mean loss", relative(ledger["cost"], cost) <= LIMIT, f"{float(ledger['cost'])} vs {cost}")

    zero_bias = {f"{i - 1}.bias" for i, mod in enumerate(net) if isinstance(mod, torch.nn.BatchNorm1d) and bias}
    kinds = {
        "forward Z, Z̃, A": [(k, values[k]) for k in values],
        "forward μ, σ², Ẑ": [(k, manual_values[k]) for k in manual_values if k[0] in "μσẐ"],
        "dW, db, dγ, dβ": [(f"grad.{k}", v) for k, v in parameter_grads.items() if k not in zero_bias],
        "dZ, dA, dZ̃": [(k, v) for k, v in grads.items()] + [("dA0", dX)],
        "dẐ, dσ², dμ": [(k, manual_grads[k]) for k in manual_grads if k[1] in "μσẐ"],
    }
    missing = [name for pairs in kinds.values() for name, _ in pairs if name not in ledger.files]
    check(f"{label}: grads writes every tensor torch has", not missing, f"missing {missing}, has {ledger.files}")
    if missing:
        return
    for kind, pairs in kinds.items():
        difference = max(relative(ledger[name], value) for name, value in pairs)
        record(kind, difference, label)
        check(f"{label}: {kind} ({len(pairs)} tensors) = torch's (relative {difference:.1e})", difference <= LIMIT)
    # The course's names for the parameter gradients agree with the state_dict's.
    names = course_names(layers, net)
    same = all(np.array_equal(ledger[f"grad.{k}"], np.asarray(ledger[name]).reshape(ledger[f"grad.{k}"].shape))
               for k, name in names.items())
    check(f"{label}: dW1, db1, dγ[2], dβ[2], … = grad.0.weight, grad.0.bias, grad.1.weight, …", same)
    for name in zero_bias:
        scale = np.abs(grads["dZ" + names[name][2:]]).sum(axis=1).max()
        size = max(np.abs(ledger[f"grad.{name}"]).max(), np.abs(parameter_grads[name]).max()) / scale
        record("db before batch norm (= 0), / Σ|dZ|", size, label)
        check(f"{label}: d{name} = 0 on both sides (max / Σ|dZ| = {size:.1e})", size <= LIMIT)

    # 4. Deferred: the same parameter gradients, every intermediate m times torch's.
    deferred = ledgers["deferred"]
    parameter = max(relative(deferred[f"grad.{k}"], v) for k, v in parameter_grads.items() if k not in zero_bias)
    intermediate = max(relative(deferred[k], m * v) for pairs in (kinds["dZ, dA, dZ̃"], kinds["dẐ, dσ², dμ"]) for k, v in pairs)
    record("deferred: dW, db, dγ, dβ", parameter, label)
    record("deferred: intermediates / m", intermediate, label)
    check(f"{label}: deferred: dW, db, dγ, dβ = torch's (relative {parameter:.1e}); dZ, dA, dZ̃, dẐ, dσ², dμ = m × torch's "
          f"(relative {intermediate:.1e})", parameter <= LIMIT and intermediate <= LIMIT)

    # 5. Eval mode: predict against model.eval() with the file's running statistics.
    X_eval = 1.5 * rng.standard_normal((sizes[0], 29)) - 0.2
    np.save(prefix + "Xe.npy", X_eval)
    run("predict", "--weights", random_model, "--input", prefix + "Xe.npy", "--out", prefix + "A.npy")
    # The train-mode pass above moved torch's running statistics: back to the file's.
    net.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in params.items()}, strict=True)
    net.eval()
    with torch.no_grad():
        expected = net(torch.from_numpy(X_eval.T.copy())).numpy().T
    difference = relative(np.load(prefix + "A.npy"), expected)
    record("eval: predict vs model.eval()", difference, label)
    check(f"{label}: eval: predict = model.eval() (relative {difference:.1e})", difference <= LIMIT)


def course_names(layers, net):
    """state_dict name -> the ledger's course name of its gradient (dW1, db1, dγ[2], dβ[2], …)."""
    names = {}
    module = 0
    for l, layer in enumerate(layers, start=1):
        config = json.loads(layer["configuration"])
        if layer["kind"] == "dense":
            names[f"{module}.weight"] = f"dW{l}"
            if net[module].bias is not None:
                names[f"{module}.bias"] = f"db{l}"
            module += 2 if config.get("activation") else 1
        else:
            names[f"{module}.weight"], names[f"{module}.bias"] = f"dγ[{l}]", f"dβ[{l}]"
            module += 2
    return names


def main():
    torch.set_default_dtype(torch.float64)
    rng = np.random.default_rng(15)
    shapes = {2: [4, 6, 1], 3: [5, 7, 6, 1], 4: [3, 8, 5, 4, 1]}
    sizes_m = [13, 37, 50, 97, 23, 6]
    index = 0
    with tempfile.TemporaryDirectory() as tmp:
        for hidden in ["tanh", "relu", "sigmoid", "leaky_relu"]:
            for output in ["sigmoid", "softmax", "identity"]:
                for bias in [False, True]:
                    sizes = list(shapes[2 + index % 3])
                    sizes[-1] = {"sigmoid": 1, "softmax": 3, "identity": 2}[output]
                    cross_check(tmp, rng, index, sizes, hidden, output, bias, sizes_m[index % len(sizes_m)])
                    index += 1
    print()
    print(f"torch {torch.__version__}, numpy {np.__version__}: {index} random batch-norm networks, float64, "
          f"train mode, mean loss; largest max |backprop − torch| / max |torch| per kind (limit {LIMIT:g}):")
    for kind, (value, label) in worst.items():
        print(f"  {kind:44s} {value:.2e}  ({label})")
    TALLY.finish()


if __name__ == "__main__":
    main()
