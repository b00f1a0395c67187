#!/usr/bin/env python3
"""Convolutional networks cross-checked against PyTorch (float64, CPU), run by .ci/run.

Trains small conv networks with `backprop train --arch` on a generated IDX image folder
(valid, same and integer padding; strides 1 and 2; max and average pooling, overlapping
windows; two conv layers), then for each model file:

  * its `pytorch_modules` builds an nn.Sequential(Conv2d, ReLU, MaxPool2d, ..., Flatten, Linear)
    whose load_state_dict(strict=True) takes the file's tensors (`0.weight` (out_c, in_c, kH, kW),
    `0.bias` (out_c,));
  * `backprop predict` equals the torch model's output on the same images (NCHW, and Flatten's
    (c, h, w) order);
  * `backprop grads --convention absorbed` equals torch.autograd of the mean cross-entropy:
    every parameter gradient (grad.<name>, in the state_dict layout), every conv and pooling
    page's dA_prev, Z and A in the course's layout (m, n_H, n_W, n_C), and each conv's dW in the
    course's (f, f, n_C_prev, n_C) and db (1, 1, 1, n_C): max |backprop − torch| / max |torch|
    ≤ 1e-12. Under --convention deferred, dW and db are the same and dA_prev is m times torch's.
Prints the largest relative differences, then 'N passed, M failed'; exits non-zero on a failure
and when torch is missing (CI installs torch==2.13.0+cpu).
Usage: check_conv_torch.py PATH_TO_BACKPROP_BINARY
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
from safetensors.numpy import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tally import Tally  # noqa: E402

try:
    import torch
except ImportError:
    print("FAIL torch is not installed: python3 -m pip install torch==2.13.0+cpu")
    sys.exit(1)

# PyTorch notes that an even kernel under padding='same' pads a copy; that is what we test.
warnings.filterwarnings("ignore", message="Using padding='same' with even kernel")
BINARY = os.path.abspath(sys.argv[1])
LIMIT = 1e-12
TALLY = Tally()
check = TALLY.check
worst = {}

CASES = [
    ("conv:4:3,relu,maxpool:2,dense:10", 12),
    ("conv:3:3:1:same,tanh,avgpool:2,dense:10", 12),
    ("conv:3:3:2:1,relu,maxpool:3:2,dense:10", 13),
    ("conv:2:2:1:same,sigmoid,avgpool:3:2,flatten,dense:5,relu,dense:10", 11),
    ("conv:4:3,relu,maxpool:2,conv:5:3:1:1,relu,maxpool:2,dense:10", 14),
    ("conv:3:5:2,relu,dense:10", 13),
]


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


def compare(kind, label, mine, theirs, limit=LIMIT):
    value = relative(mine, theirs)
    if value > worst.get(kind, (-1.0, ""))[0]:
        worst[kind] = (value, label)
    shapes = f"{np.shape(mine)} vs {np.shape(theirs)}"
    return check(f"{label} {kind} ≤ {limit:g}", value <= limit, f"relative difference {value:.3g} ({shapes})")


def write_idx(folder, side, m, rng):
    for split, count in (("train", m), ("t10k", m // 2)):
        images = rng.integers(0, 256, (count, side, side), dtype=np.uint8)
        labels = rng.integers(0, 10, count, dtype=np.uint8)
        with gzip.open(os.path.join(folder, f"{split}-images-idx3-ubyte.gz"), "wb") as f:
            f.write(b"\0\0\x08\x03" + b"".join(int(d).to_bytes(4, "big") for d in images.shape) + images.tobytes())
        with gzip.open(os.path.join(folder, f"{split}-labels-idx1-ubyte.gz"), "wb") as f:
            f.write(b"\0\0\x08\x01" + count.to_bytes(4, "big") + labels.tobytes())


def header_metadata(path):
    with open(path, "rb") as f:
        return json.loads(f.read(int.from_bytes(f.read(8), "little")))["__metadata__"]


def sequential(metadata):
    namespace = {name: getattr(torch.nn, name) for name in dir(torch.nn)}
    return eval(f"Sequential({metadata['pytorch_modules']})", namespace).double()  # noqa: S307 - our own metadata


def nhwc(t):
    return t.detach().permute(0, 2, 3, 1).numpy()


def main():
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        for index, (arch, side) in enumerate(CASES):
            label = f"case {index + 1} [{arch}] on 1×{side}×{side}"
            data = os.path.join(tmp, f"idx{index}")
            os.makedirs(data)
            write_idx(data, side, 48, rng)
            folder = os.path.join(tmp, f"run{index}")
            run("train", "--data", data, "--arch", arch, "--epochs", "2", "--batch-size", "16", "--optimizer", "adam",
                "--learning-rate", "0.01", "--precision", "double", "--seed", str(index + 3), "--output-dir", folder)
            model_path = os.path.join(folder, "model.safetensors")
            metadata = header_metadata(model_path)
            layers = json.loads(metadata["layers"])
            net = sequential(metadata)
            state = {k: torch.from_numpy(v.astype(np.float64)) for k, v in load_file(model_path).items()}
            try:
                net.load_state_dict(state, strict=True)
                check(f"{label} load_state_dict(strict=True) into {metadata['pytorch_modules']}", True)
            except RuntimeError as error:
                check(f"{label} load_state_dict(strict=True)", False, str(error).splitlines()[0])
                continue
            conv = [k for k, v in state.items() if k.endswith(".weight") and v.dim() == 4]
            check(f"{label} conv weights are (out_c, in_c, kH, kW)", bool(conv) and all(state[k].dim() == 4 for k in conv))

            m = 7
            X = rng.standard_normal((side * side, m)) * 0.8 + 0.4
            Y = np.eye(10)[:, rng.integers(0, 10, m)]
            np.save(os.path.join(tmp, "X.npy"), X)
            np.save(os.path.join(tmp, "Y.npy"), Y)

            # Predictions.
            out = os.path.join(tmp, "P.npy")
            run("predict", "--weights", model_path, "--input", os.path.join(tmp, "X.npy"), "--out", out)
            net.eval()
            x = torch.from_numpy(X.T.reshape(m, 1, side, side).copy()).requires_grad_(True)
            with torch.no_grad():
                expected = net(x).numpy().T
            compare("predict", label, np.load(out), expected)

            # Autograd, module by module, keeping every module's input.
            net.train()
            net.zero_grad()
            inputs = []
            a = x
            for module in net:
                a.retain_grad()
                inputs.append(a)
                a = module(a)
            loss = -(torch.from_numpy(Y.T.copy()) * torch.log(a)).sum() / m
            loss.backward()

            for convention in ("absorbed", "deferred"):
                ledger_path = os.path.join(tmp, f"L{convention}.npz")
                run("grads", "--weights", model_path, "--x", os.path.join(tmp, "X.npy"), "--y", os.path.join(tmp, "Y.npy"),
                    "--convention", convention, "--out", ledger_path)
                L = np.load(ledger_path)
                scale = 1.0 if convention == "absorbed" else float(m)
                for name, parameter in net.named_parameters():
                    compare("grad." + ("weight" if name.endswith("weight") else "bias"), f"{label} {convention} {name}",
                            L["grad." + name], parameter.grad.numpy())
                module = 0
                for l, layer in enumerate(layers, start=1):
                    kind = layer["kind"]
                    config = json.loads(layer["configuration"])
                    first = inputs[module]
                    if kind in ("conv2d", "pool2d", "flatten"):
                        compare(f"{kind} dA_prev", f"{label} {convention} layer {l}", L[f"dA{l - 1}"], nhwc(first.grad) * scale)
                    if kind == "conv2d":
                        torch_conv = net[module]
                        z = torch_conv(first)
                        compare("conv Z", f"{label} {convention} layer {l}", L[f"Z{l}"], nhwc(z))
                        compare("conv dW (f, f, n_C_prev, n_C)", f"{label} {convention} layer {l}", L[f"dW{l}"],
                                torch_conv.weight.grad.permute(2, 3, 1, 0).numpy())
                        compare("conv db (1, 1, 1, n_C)", f"{label} {convention} layer {l}", L[f"db{l}"],
                                torch_conv.bias.grad.numpy().reshape(1, 1, 1, -1))
                    if kind == "pool2d":
                        torch_pool = net[module]
                        compare("pool A", f"{label} {convention} layer {l}", L[f"A{l}"], nhwc(torch_pool(first)))
                        f, s = config["window"], config["stride"]
                        if config["mode"] == "max":
                            # The mask: 1 at each window's winner (torch's indices), over A_prev's (m, n_H_prev, n_W_prev, n_C).
                            _, indices = torch.nn.functional.max_pool2d(first.detach(), f, s, return_indices=True)
                            mask = np.zeros(first.shape[0] * first.shape[1] * first.shape[2] * first.shape[3])
                            flat = indices.reshape(first.shape[0] * first.shape[1], -1).numpy()
                            plane = first.shape[2] * first.shape[3]
                            for row in range(flat.shape[0]):
                                mask[row * plane + flat[row]] = 1
                            mask = mask.reshape(first.shape).transpose(0, 2, 3, 1)
                            check(f"{label} {convention} layer {l} max-pool mask{l} is torch's winners, 0/1 in (m, n_H_prev, n_W_prev, n_C)",
                                  L[f"mask{l}"].shape == mask.shape and np.array_equal(L[f"mask{l}"], mask),
                                  f"{L[f'mask{l}'].shape} vs {mask.shape}")
                            # argmax: each winner's place in its window, di·f + dj, per output.
                            n_h, n_w = indices.shape[2], indices.shape[3]
                            rows_, cols_ = indices.numpy() // first.shape[3], indices.numpy() % first.shape[3]
                            offsets = (rows_ - s * np.arange(n_h)[:, None]) * f + cols_ - s * np.arange(n_w)[None, :]
                            check(f"{label} {convention} layer {l} argmax{l} is the winner's di·f + dj in its window",
                                  np.array_equal(L[f"argmax{l}"], offsets.transpose(0, 2, 3, 1)))
                        else:
                            # The spread: dA/(f·f), per output, in the ledger's convention.
                            compare("avg-pool spread dA/(f·f)", f"{label} {convention} layer {l}", L[f"spread{l}"],
                                    nhwc(inputs[module + 1].grad) * scale / (f * f))
                    module += 2 if config.get("activation") else 1

    for kind, (value, label) in sorted(worst.items()):
        print(f"largest relative difference, {kind}: {value:.3g} ({label})")
    TALLY.finish()


if __name__ == "__main__":
    main()
