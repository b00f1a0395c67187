#!/usr/bin/env python3
"""ONNX export of convolutional networks checked against ONNX Runtime, run by .ci/run.

Trains small conv networks with `backprop train --arch --precision float` on a generated IDX
image folder (valid, same and integer padding; strides 1 and 2; max and average pooling, an
explicit flatten and a hidden dense layer), exports each with `backprop export`, and checks:

  * the graph passes onnx.checker and uses Reshape, Conv, MaxPool/AveragePool and Flatten;
  * the Conv weights are the safetensors file's (out_c, in_c, kH, kW) tensors;
  * ONNX Runtime's output on raw (batch, C·H·W) rows equals `backprop predict` to float32
    rounding: max |difference| / max |value| ≤ 1e-5.
(ONNX Runtime's CPU Conv and AveragePool run in float only, so the models are float32.)
Prints 'N passed, M failed'; exits non-zero on a failure.
Usage: check_conv_onnx.py PATH_TO_BACKPROP_BINARY
"""
import gzip
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime
from onnx import numpy_helper
from safetensors.numpy import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tally import Tally  # noqa: E402

BINARY = os.path.abspath(sys.argv[1])
TALLY = Tally()
check = TALLY.check

CASES = [
    ("conv:4:3,relu,maxpool:2,dense:10", 12),
    ("conv:3:3:1:same,tanh,avgpool:2,dense:10", 12),
    ("conv:3:3:2:1,relu,maxpool:3:2,dense:10", 13),
    ("conv:2:2:1:same,sigmoid,avgpool:3:2,flatten,dense:5,relu,dense:10", 11),
    ("conv:4:3,leaky_relu,maxpool:2,conv:5:3:1:1,relu,maxpool:2,dense:10", 14),
]


def run(*args):
    result = subprocess.run([BINARY, *args], capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout, result.stderr)
        raise SystemExit(f"backprop {' '.join(args)} exited {result.returncode}")
    return result


def write_idx(folder, side, m, rng):
    for split, count in (("train", m), ("t10k", m // 2)):
        images = rng.integers(0, 256, (count, side, side), dtype=np.uint8)
        labels = rng.integers(0, 10, count, dtype=np.uint8)
        with gzip.open(os.path.join(folder, f"{split}-images-idx3-ubyte.gz"), "wb") as f:
            f.write(b"\0\0\x08\x03" + b"".join(int(d).to_bytes(4, "big") for d in images.shape) + images.tobytes())
        with gzip.open(os.path.join(folder, f"{split}-labels-idx1-ubyte.gz"), "wb") as f:
            f.write(b"\0\0\x08\x01" + count.to_bytes(4, "big") + labels.tobytes())


def main():
    rng = np.random.default_rng(11)
    with tempfile.TemporaryDirectory() as tmp:
        for index, (arch, side) in enumerate(CASES):
            label = f"case {index + 1} [{arch}] on 1×{side}×{side}"
            data = os.path.join(tmp, f"idx{index}")
            os.makedirs(data)
            write_idx(data, side, 48, rng)
            folder = os.path.join(tmp, f"run{index}")
            run("train", "--data", data, "--arch", arch, "--epochs", "2", "--batch-size", "16", "--optimizer", "adam",
                "--learning-rate", "0.01", "--precision", "float", "--seed", str(index + 3), "--output-dir", folder)
            model_path = os.path.join(folder, "model.safetensors")
            onnx_path = os.path.join(tmp, f"m{index}.onnx")
            run("export", "--weights", model_path, "--onnx", onnx_path)
            model = onnx.load(onnx_path)
            try:
                onnx.checker.check_model(model, full_check=True)
                check(f"{label} onnx.checker", True)
            except Exception as error:  # noqa: BLE001 - report whatever the checker says
                check(f"{label} onnx.checker", False, str(error).splitlines()[0])
            ops = [node.op_type for node in model.graph.node]
            wanted = {"Reshape", "Conv", "Flatten", "MaxPool" if "maxpool" in arch else "AveragePool"}
            check(f"{label} operators {sorted(set(ops))}", wanted <= set(ops), f"missing {wanted - set(ops)}")
            state = load_file(model_path)
            weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
            convs = [name for name, value in state.items() if value.ndim == 4]
            for name in convs:
                layer = int(name.split(".")[0])
                matching = [v for v in weights.values() if v.shape == state[name].shape and np.array_equal(v, state[name])]
                check(f"{label} Conv weight {name} {state[name].shape} is the file's", bool(matching), f"layer {layer}")

            m = 9
            X = rng.random((side * side, m)).astype(np.float32)
            np.save(os.path.join(tmp, "X.npy"), X)
            out = os.path.join(tmp, "P.npy")
            run("predict", "--weights", model_path, "--input", os.path.join(tmp, "X.npy"), "--out", out)
            mine = np.load(out)
            session = onnxruntime.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
            theirs = session.run(None, {"X": X.T.copy()})[0].T
            difference = float(np.abs(mine - theirs).max() / max(np.abs(theirs).max(), 1e-30))
            check(f"{label} ONNX Runtime equals backprop predict (relative {difference:.2g})", mine.shape == theirs.shape and difference <= 1e-5)
    TALLY.finish()


if __name__ == "__main__":
    main()
