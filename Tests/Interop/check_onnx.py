#!/usr/bin/env python3
"""ONNX export checks of the `backprop` command, run by .ci/run.

Trains small models with the built binary (float32 and float64; tanh, relu and leaky ReLU
hidden layers; sigmoid and softmax outputs; a model trained on standardised NPZ features, whose
standardisation the export builds into the graph; a course .npz parameters file), exports each
with `backprop export --onnx`, validates the file with onnx.checker, runs it in ONNX Runtime on
a random batch, and compares with `backprop predict --out A.npy` on the same inputs:
max |ORT − predict| ≤ 1e-6 for float32 models and ≤ 1e-12 for float64 models. Batch-norm models
(trained in mini-batches, exported in eval mode as BatchNormalization with the running
statistics) are compared the same way, in float32 and float64.

Backprop's X.npy is (n_x, m), one example per column; the ONNX input "X" is (m, n_x), one per
row, so the batch is transposed between the two.
Needs: numpy, onnx, onnxruntime, safetensors.
Prints 'N passed, M failed' and exits non-zero on any failure.
Usage: check_onnx.py PATH_TO_BACKPROP_BINARY
"""
import os
import subprocess
import sys

import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from safetensors.numpy import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tally import Tally  # noqa: E402  (the shared ok/FAIL tally beside this script)

BINARY = os.path.abspath(sys.argv[1])
TOLERANCE = {np.float32: 1e-6, np.float64: 1e-12}
ELEM_TYPE = {np.float32: onnx.TensorProto.FLOAT, np.float64: onnx.TensorProto.DOUBLE}
TALLY = Tally()
check = TALLY.check
figures = []




def run(*args, expect_ok=True):
    result = subprocess.run([BINARY, *args], capture_output=True, text=True)
    if expect_ok and result.returncode != 0:
        print(result.stdout, result.stderr)
        raise SystemExit(f"backprop {' '.join(args)} exited {result.returncode}")
    return result


def compare(name, tmp, model_args, dtype, n_x, expected_ops, inputs, precision, expect_standardized=False):
    """Exports the model, checks the graph, and compares ONNX Runtime with `backprop predict`."""
    onnx_path = os.path.join(tmp, f"{name}.onnx")
    export_args = ["export", *model_args, "--onnx", onnx_path]
    if precision is not None:
        export_args += ["--precision", precision]
    out = run(*export_args).stdout
    check(f"{name}: export reports the opset", "opset 13" in out, out)
    check(f"{name}: standardisation in the graph: {'yes' if expect_standardized else 'no'}",
          ("standardised" in out) == expect_standardized, out)

    model = onnx.load(onnx_path)
    try:
        onnx.checker.check_model(model, full_check=True)
        check(f"{name}: onnx.checker.check_model(full_check=True)", True)
    except Exception as error:  # noqa: BLE001 - report any checker failure
        check(f"{name}: onnx.checker.check_model(full_check=True)", False, str(error))
    check(f"{name}: ir_version 7, default-domain opset 13",
          model.ir_version == 7 and [(o.domain, o.version) for o in model.opset_import] == [("", 13)],
          f"{model.ir_version} {model.opset_import}")
    check(f"{name}: producer backprop", model.producer_name == "backprop", model.producer_name)
    ops = [node.op_type for node in model.graph.node]
    check(f"{name}: nodes {ops}", ops == expected_ops, f"expected {expected_ops}")
    elem = ELEM_TYPE[dtype]
    check(f"{name}: initializers are {np.dtype(dtype).name}",
          all(t.data_type == elem for t in model.graph.initializer) and
          model.graph.input[0].type.tensor_type.elem_type == elem)
    dims = [d.dim_param or d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    check(f"{name}: input X is [batch, {n_x}]", dims == ["batch", n_x], str(dims))

    X_rows = inputs.astype(dtype)  # (m, n_x): ONNX layout
    x_path = os.path.join(tmp, f"{name}_X.npy")
    a_path = os.path.join(tmp, f"{name}_A.npy")
    np.save(x_path, np.ascontiguousarray(X_rows.T))  # (n_x, m): Backprop layout
    predict_args = ["predict", *model_args, "--input", x_path, "--out", a_path,
                    "--precision", "float" if dtype == np.float32 else "double"]
    run(*predict_args)
    A = np.load(a_path)  # (n_y, m)

    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    (Y,) = session.run(None, {"X": X_rows})  # (m, n_y)
    check(f"{name}: ONNX output dtype {np.dtype(dtype).name}", Y.dtype == dtype, str(Y.dtype))
    check(f"{name}: ONNX output shape {A.T.shape}", Y.shape == A.T.shape, f"{Y.shape} vs {A.T.shape}")
    if Y.shape != A.T.shape:
        return
    difference = float(np.max(np.abs(Y.astype(np.float64) - A.T.astype(np.float64))))
    tolerance = TOLERANCE[dtype]
    figures.append((name, np.dtype(dtype).name, X_rows.shape[0], difference, tolerance))
    check(f"{name}: max |onnxruntime - predict| = {difference:.3e} <= {tolerance:g}", difference <= tolerance)
    if ops[-1] == "Softmax":
        check(f"{name}: softmax rows sum to 1", np.allclose(Y.sum(axis=1), 1, atol=10 * tolerance))


def main():
    rng = np.random.default_rng(2024)
    m = 257
    with tempfile.TemporaryDirectory() as tmp:
        # 1. moons, float32: tanh hidden, sigmoid output.
        moons = os.path.join(tmp, "moons")
        run("train", "--data", "moons", "--units", "8", "--hidden", "tanh", "--epochs", "5", "--precision", "float",
            "--output-dir", moons)
        compare("moons_float32", tmp, ["--weights", os.path.join(moons, "model.safetensors")], np.float32, 2,
                ["Gemm", "Tanh", "Gemm", "Sigmoid"], rng.uniform(-2, 3, size=(m, 2)), None)

        # 2. spirals, float64: relu hidden, softmax output.
        spirals = os.path.join(tmp, "spirals")
        run("train", "--data", "spirals", "--units", "16,16", "--hidden", "relu", "--epochs", "5",
            "--precision", "double", "--output-dir", spirals)
        compare("spirals_float64", tmp, ["--weights", os.path.join(spirals, "model.safetensors")], np.float64, 2,
                ["Gemm", "Relu", "Gemm", "Relu", "Gemm", "Softmax"], rng.uniform(-1.5, 1.5, size=(m, 2)), None)

        # 3./4. standardised NPZ features (far from zero mean, mixed scales), leaky ReLU hidden.
        means = np.array([5.0, -300.0, 0.02, 40.0])
        scales = np.array([2.0, 50.0, 0.01, 7.0])
        features = means + scales * rng.standard_normal((400, 4))
        labels = np.argmax(((features - means) / scales) @ rng.standard_normal((4, 3)), axis=1)
        data = os.path.join(tmp, "blobs.npz")
        np.savez(data, X=features.T, Y=np.eye(3)[labels].T)
        batch = means + scales * rng.standard_normal((m, 4))
        for precision, dtype, leaky in [("double", np.float64, ["Greater", "Mul", "Where"]),
                                        ("float", np.float32, ["LeakyRelu"])]:
            folder = os.path.join(tmp, f"blobs_{precision}")
            run("train", "--data", data, "--units", "6,5", "--hidden", "leaky_relu:0.2", "--epochs", "5",
                "--precision", precision, "--output-dir", folder)
            compare(f"standardised_leaky_{np.dtype(dtype).name}", tmp,
                    ["--weights", os.path.join(folder, "model.safetensors")], dtype, 4,
                    ["Sub", "Mul", "Gemm", *leaky, "Gemm", *leaky, "Gemm", "Softmax"], batch, None,
                    expect_standardized=True)

        # 5. a course parameters .npz (float64 arrays), activations from --hidden/--output;
        #    exported as float64 and, with --precision float, as float32.
        params = os.path.join(tmp, "params.npz")
        sizes = [5, 7, 3]
        arrays = {}
        for l in range(1, len(sizes)):
            arrays[f"W{l}"] = rng.standard_normal((sizes[l], sizes[l - 1])) * 0.8
            arrays[f"b{l}"] = rng.standard_normal((sizes[l], 1)) * 0.1
        np.savez(params, **arrays)
        course = ["--weights", params, "--hidden", "sigmoid", "--output", "softmax"]
        compare("course_npz_float64", tmp, course, np.float64, 5,
                ["Gemm", "Sigmoid", "Gemm", "Softmax"], rng.standard_normal((m, 5)), None)
        compare("course_npz_as_float32", tmp, course, np.float32, 5,
                ["Gemm", "Sigmoid", "Gemm", "Softmax"], rng.standard_normal((m, 5)), "float")

        # 6./7. batch norm (eval mode: the running statistics), float32 and float64; mini-batches
        #    so that the running statistics have moved away from 0 and 1.
        for precision, dtype, data_name, hidden, extra, ops in [
                ("float", np.float32, "moons", "tanh", [],
                 ["Gemm", "BatchNormalization", "Tanh", "Gemm", "BatchNormalization", "Tanh", "Gemm", "Sigmoid"]),
                ("double", np.float64, "spirals", "relu", ["--bias-before-batch-norm"],
                 ["Gemm", "BatchNormalization", "Relu", "Gemm", "BatchNormalization", "Relu", "Gemm", "Softmax"])]:
            folder = os.path.join(tmp, f"batch_norm_{precision}")
            run("train", "--data", data_name, "--units", "8,6", "--hidden", hidden, "--batch-norm", *extra,
                "--optimizer", "adam", "--learning-rate", "0.01", "--batch-size", "50", "--epochs", "4",
                "--precision", precision, "--output-dir", folder)
            model_path = os.path.join(folder, "model.safetensors")
            compare(f"batch_norm_{data_name}_{np.dtype(dtype).name}", tmp, ["--weights", model_path], dtype, 2,
                    ops, rng.uniform(-2, 2, size=(m, 2)), None)
            graph = onnx.load(os.path.join(tmp, f"batch_norm_{data_name}_{np.dtype(dtype).name}.onnx")).graph
            initializers = {t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer}
            saved = load_file(model_path)
            norms = [node for node in graph.node if node.op_type == "BatchNormalization"]
            running = [(saved[f"{3 * k + 1}.running_mean"], saved[f"{3 * k + 1}.running_var"]) for k in range(len(norms))]
            check(f"batch_norm_{data_name}: BatchNormalization's mean and var are the file's running statistics "
                  "(moved from 0 and 1 by training)",
                  all(np.array_equal(initializers[node.input[3]], mean) and np.array_equal(initializers[node.input[4]], var)
                      and not np.allclose(var, 1) for node, (mean, var) in zip(norms, running)))
            check(f"batch_norm_{data_name}: epsilon 1e-5, ONNX momentum 0.9 (PyTorch's 0.1)",
                  all(abs(a.f - 1e-5) < 1e-11 and abs({x.name: x.f for x in node.attribute}["momentum"] - 0.9) < 1e-7
                      for node in norms for a in node.attribute if a.name == "epsilon"))
            check(f"batch_norm_{data_name}: the dense layers before batch norm have {'a' if extra else 'no'} bias",
                  all((len(node.input) == 3) == bool(extra) for node in graph.node[:-2] if node.op_type == "Gemm"))

        # Errors are one line and a non-zero exit.
        missing = run("export", "--weights", os.path.join(tmp, "missing.safetensors"), "--onnx",
                      os.path.join(tmp, "x.onnx"), expect_ok=False)
        check("missing model: non-zero exit, one-line error",
              missing.returncode != 0 and len(missing.stderr.strip().splitlines()) == 1, missing.stderr)
        folder = run("export", "--weights", os.path.join(moons, "model.safetensors"), "--onnx",
                     os.path.join(tmp, "no", "such", "folder", "x.onnx"), expect_ok=False)
        check("missing output folder: non-zero exit, one-line error",
              folder.returncode != 0 and len(folder.stderr.strip().splitlines()) == 1, folder.stderr)

    print()
    print(f"onnx {onnx.__version__}, onnxruntime {ort.__version__}, numpy {np.__version__}")
    for name, dtype, rows, difference, tolerance in figures:
        print(f"  {name:28s} {dtype:8s} batch {rows}: max |onnxruntime - predict| = {difference:.3e} (limit {tolerance:g})")
    TALLY.finish()


if __name__ == "__main__":
    main()
