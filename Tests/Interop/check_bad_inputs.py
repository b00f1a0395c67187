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
import resource
import shutil
import struct
import subprocess
import sys

import signal
import tempfile
import time
import zipfile
import zlib

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




# Every run is under an address-space limit (`ulimit -v`), so an attempted giant allocation fails
# the test (a crash) instead of passing on a machine that happens to have the memory. The Swift
# runtime, the BLAS and its threads reserve address space before any data, but every normal run
# here passes under 4 GB (measured: training the moons fixture passes even under 256 MB). The
# default --max-memory follows the limit (3/4 of it), so the bombs below meet a 3 GB budget.
ADDRESS_SPACE_LIMIT = 4 << 30


def limit_address_space():
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))


def run(args, cwd, env=None, timeout=120):
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    try:
        return subprocess.run([BINARY, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                              env=full_env, errors="replace", preexec_fn=limit_address_space)
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
    # The options the course's recipe used to give every data set (tanh, plain gradient descent, full batch).
    result = run(["train", "--data", "moons", "--units", "4", "--epochs", "3", "--learning-rate", "0.5",
                  "--hidden", "tanh", "--optimizer", "sgd", "--batch-size", "400", "--output-dir", "run"], cwd=d)
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



# ---------------------------------------------------------------------------------------------
# Allocation bombs: tiny files and flags that claim (or inflate to) far more than any budget.
# Each must end in one Error: line, quickly, without trying the allocation.
# ---------------------------------------------------------------------------------------------

BOMB_SECONDS = 20  # a bomb refused before inflating or allocating takes well under this


def deflate_zeros(header, zero_bytes, chunk=1 << 20):
    """A raw deflate stream of `header` then `zero_bytes` zeros, and its CRC-32. After a full
    flush the compressor starts afresh, so one compressed chunk of zeros is repeated instead
    of compressing a gigabyte."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [compressor.compress(header), compressor.flush(zlib.Z_FULL_FLUSH)]
    crc = zlib.crc32(header)
    block = bytes(chunk)
    whole, rest = divmod(zero_bytes, chunk)
    if whole:
        piece = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
        parts.append(piece * whole)
        block_crc = zlib.crc32(block)
        for _ in range(whole):
            crc = crc32_combine(crc, block_crc, chunk)
    parts.append(compressor.compress(bytes(rest)) + compressor.flush())
    crc = zlib.crc32(bytes(rest), crc)
    return b"".join(parts), crc


def crc32_combine(crc, block_crc, block_length):
    """CRC-32 of A + B from crc(A), crc(B) and len(B), as zlib's crc32_combine: crc(A) carried
    through len(B) zero bytes, XOR crc(B)."""
    return zeros_operator(block_length)(crc) ^ block_crc


_ZEROS_CACHE = {}


def zeros_operator(length):
    """The linear map crc -> crc32 of (message with CRC crc) followed by `length` zero bytes,
    without the final XORs, as a function (built once per length by repeated squaring)."""
    if length not in _ZEROS_CACHE:
        def gf2_times(matrix, vector):
            total = 0
            i = 0
            while vector:
                if vector & 1:
                    total ^= matrix[i]
                vector >>= 1
                i += 1
            return total

        def square(matrix):
            return [gf2_times(matrix, matrix[n]) for n in range(32)]
        odd = [0xEDB88320] + [1 << n for n in range(31)]  # one zero bit
        even = square(odd)   # two zero bits
        odd = square(even)   # four zero bits
        operator = None
        n = length
        matrices = []
        while True:
            even = square(odd)
            if n & 1:
                matrices.append(even)
            n >>= 1
            if not n:
                break
            odd = square(even)
            if n & 1:
                matrices.append(odd)
            n >>= 1
            if not n:
                break

        def apply(crc):
            for matrix in matrices:
                crc = gf2_times(matrix, crc)
            return crc
        operator = apply
        _ZEROS_CACHE[length] = operator
    return _ZEROS_CACHE[length]


def gzip_stream(header, zero_bytes):
    """A gzip file: `header` then `zero_bytes` zeros (about 1 KB per MB of zeros)."""
    body, crc = deflate_zeros(header, zero_bytes)
    size = (len(header) + zero_bytes) & 0xFFFFFFFF
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + body + struct.pack("<II", crc, size)


def npy_header(descr, shape):
    text = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    text += " " * ((64 - (10 + len(text) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode()


def deflated_member_zip(path, name, header, zero_bytes):
    """A zip with one deflated member, `header` then `zero_bytes` zeros (under 4 GB), written by
    hand from the repeated deflate stream."""
    body, crc = deflate_zeros(header, zero_bytes)
    size = len(header) + zero_bytes
    encoded = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(body), size, len(encoded), 0) + encoded
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(body), size,
                          len(encoded), 0, 0, 0, 0, 0, 0) + encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local) + len(body), 0)
    write(path, local + body + central + end)


def lying_zip(path, name, payload, declared):
    """A stored zip member whose directory claims `declared` bytes (ZIP64) while holding `payload`."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(name, payload)
    with open(path, "rb") as f:
        data = bytearray(f.read())
    # Rewrite the central directory's sizes to 0xFFFFFFFF with a ZIP64 extra field of `declared`.
    cd = data.rfind(b"PK\x01\x02")
    name_len, extra_len, comment_len = struct.unpack("<HHH", data[cd + 28:cd + 34])
    extra = struct.pack("<HHQQ", 1, 16, declared, declared)
    record = data[cd:cd + 46] + data[cd + 46:cd + 46 + name_len] + extra
    record[20:28] = struct.pack("<II", 0xFFFFFFFF, 0xFFFFFFFF)
    record[30:32] = struct.pack("<H", len(extra))
    end = data.rfind(b"PK\x05\x06")
    tail = data[end:]
    new = data[:cd] + record + data[cd + 46 + name_len + extra_len + comment_len:end]
    tail[12:16] = struct.pack("<I", len(record))
    with open(path, "wb") as f:
        f.write(new + tail)


def idx_header(kind, dims):
    return bytes([0, 0, kind, len(dims)]) + b"".join(struct.pack(">I", n) for n in dims)


def make_bomb_fixtures(d):
    def folder(name, images, labels, gz=False):
        os.makedirs(os.path.join(d, name), exist_ok=True)
        write(os.path.join(d, name, "train-images-idx3-ubyte" + (".gz" if gz else "")), images)
        write(os.path.join(d, name, "train-labels-idx1-ubyte"), labels)
        write(os.path.join(d, name, "t10k-images-idx3-ubyte"), idx_header(8, [1, 2, 2]) + bytes(4))
        write(os.path.join(d, name, "t10k-labels-idx1-ubyte"), idx_header(8, [1]) + bytes(1))

    # 20 bytes: (0, 2^32-1, 2^32-1, 2^32-1); 16 bytes: no images of 65536 x 65536 pixels.
    folder("idx_overflow", idx_header(8, [0, 2**32 - 1, 2**32 - 1, 2**32 - 1]), idx_header(8, [0]))
    folder("idx_empty_huge", idx_header(8, [0, 65536, 65536]), idx_header(8, [0]))
    # ~1 MB of gzip inflating to 1 GB of honest images (X would be 8 GB as float64).
    folder("idx_gzip_bomb", gzip_stream(idx_header(8, [1_000_000, 32, 32]), 1_024_000_000),
           idx_header(8, [1_000_000]) + bytes(1_000_000), gz=True)
    # A gzip whose header says 10 small images but which inflates to 1 GB.
    folder("idx_gzip_liar", gzip_stream(idx_header(8, [10, 28, 28]), 256 << 20), idx_header(8, [10]) + bytes(10), gz=True)
    # A 4 KB gzip claiming 4e9 images of 1024 pixels, cut short: refused from its header alone.
    folder("idx_gzip_claim", gzip_stream(idx_header(8, [4_000_000_000, 32, 32]), 4096), idx_header(8, [10]), gz=True)

    # NPZ: a member that honestly inflates to 1 GB (of uint8: X would be 8 GB), and members
    # whose directory claims 100 GB and 2^62 bytes while holding a few.
    deflated_member_zip(os.path.join(d, "npz_bomb.npz"), "X.npy", npy_header("|u1", "(1000, 1000000)"), 1_000_000_000)
    rng = np.random.default_rng(3)
    lying_zip(os.path.join(d, "npz_liar.npz"), "X.npy", npy_bytes(rng.standard_normal((2, 10))), 100_000_000_000)
    lying_zip(os.path.join(d, "npz_liar_max.npz"), "W1.npy", npy_bytes(rng.standard_normal((4, 2))), 1 << 62)

    # CSV: 100,000 distinct labels (an 80 GB one-hot Y), a NUL in a number, a 50 MB cell,
    # features of +-1e308 (overflowing a naive sum of squares), a quoted newline in a number.
    write(os.path.join(d, "many_labels.csv"), "a,label\n" + "".join(f"{i % 7},id{i}\n" for i in range(100_000)))
    write(os.path.join(d, "nul_cell.csv"), b"a,b,label\n1,2,0\n1\x00,3,1\n4,5,0\n")
    write(os.path.join(d, "nul_inputs.csv"), b"1,2\n3\x00,4\n")
    write(os.path.join(d, "control_cell.csv"), b"a,b,label\n1,2,0\n\x1b[31m1,3,1\n")
    write(os.path.join(d, "huge_cell.csv"), "a,b,label\n1,2,0\n" + "7" * 50_000_000 + ",3,1\n4,5,0\n")
    write(os.path.join(d, "huge_word.csv"), "a,b,label\n1,2,0\n" + "z" * 5_000_000 + ",3,1\n")
    write(os.path.join(d, "newline_cell.csv"), 'a,b,label\n1,2,0\n3,"4\nEvil: line",1\n')
    write(os.path.join(d, "extreme.csv"), "a,b,label\n" + "".join(
        f"{(-1) ** i * 1e308 * (0.5 + (i % 5) / 10)},{i % 3},{i % 2}\n" for i in range(40)))
    write(os.path.join(d, "extreme_inputs.csv"), "a,b\n1e308,1\n-1e308,2\n")

    # Derivation files whose header asks for giant networks.
    write(os.path.join(d, "giant.py"), "# layers: 2,1000000000,1\ndZ2 = A2 - Y\n")
    write(os.path.join(d, "overflow.py"), "# layers: 2,4611686018427387904,4611686018427387904,1\ndZ3 = A3 - Y\n")


def bomb_table(model):
    e = lambda *words: ("error", list(words))
    tr = ["train", "--epochs", "1", "--output-dir", "out", "--overwrite"]
    M = ["--weights", model]
    big = "9223372036854775807"
    return [
        # flags
        ("train --layers 2,1000000000,1", tr + ["--data", "moons", "--layers", "2,1000000000,1"], e("2-1000000000-1", "budget")),
        ("train --units 100000,100000", tr + ["--data", "moons", "--units", "100000,100000"], e("budget")),
        ("train --units 4611686018427387904", tr + ["--data", "moons", "--units", "4611686018427387904"], e("overflows")),
        ("train --units 3037000500,3037000500", tr + ["--data", "moons", "--units", "3037000500,3037000500"], e("overflows")),
        ("train --units 20000,20000 (weights fit, training does not)", tr + ["--data", "moons", "--units", "20000,20000", "--precision", "float"], e("budget")),
        ("train --max-memory 1M for a 2-100-1 network", tr + ["--data", "moons", "--layers", "2,100,1", "--batch-size", "400", "--max-memory", "1M"], e("--max-memory")),
        ("train --max-memory bogus", tr + ["--max-memory", "lots"], e("--max-memory")),
        ("train --max-memory 0", tr + ["--max-memory", "0"], e("--max-memory")),
        ("train --max-memory 1e400G", tr + ["--max-memory", "1e400G"], e("--max-memory")),
        ("ledger --examples 1000000000", ["ledger", "--examples", "1000000000"], e("--examples", "budget")),
        ("ledger --examples Int.max", ["ledger", "--examples", big], e("--examples")),
        ("ledger --layers 2,3037000500,3037000500,1", ["ledger", "--layers", "2,3037000500,3037000500,1"], e("overflows")),
        ("gradcheck --examples 1000000000", ["gradcheck", "--examples", "1000000000"], e("--examples")),
        ("gradcheck --layers 2,1000000000,1", ["gradcheck", "--layers", "2,1000000000,1"], e("budget")),
        ("bench gemm --sizes 1000000", ["bench", "gemm", "--sizes", "1000000"], e("--sizes")),
        ("bench gemm --sizes 4294967296", ["bench", "gemm", "--sizes", "4294967296"], e("--sizes")),
        ("check --layers 2,1000000000,1", ["check", "wrong.py", "--layers", "2,1000000000,1"], e("budget")),
        # files
        ("check a header asking for 2-1000000000-1", ["check", "giant.py"], e("giant.py", "budget")),
        ("check a header whose sizes overflow", ["check", "overflow.py"], e("overflow.py")),
        ("train IDX dims (0, 2^32-1, 2^32-1, 2^32-1)", tr + ["--data", "idx_overflow"], e("idx_overflow", "overflows")),
        ("train IDX of 0 images of 65536x65536", tr + ["--data", "idx_empty_huge"], e("idx_empty_huge")),
        ("train IDX gzip inflating to 1 GB (X 8 GB)", tr + ["--data", "idx_gzip_bomb"], e("idx_gzip_bomb", "budget")),
        ("train IDX gzip bomb --max-memory 100M", tr + ["--data", "idx_gzip_bomb", "--precision", "float", "--max-memory", "100M"], e("--max-memory")),
        ("train IDX gzip lying about its size", tr + ["--data", "idx_gzip_liar"], e("idx_gzip_liar")),
        ("train IDX gzip claiming 4e9 images", tr + ["--data", "idx_gzip_claim"], e("idx_gzip_claim")),
        ("train NPZ member inflating to 1 GB --max-memory 1G", tr + ["--data", "npz_bomb.npz", "--max-memory", "1G"], e("npz_bomb.npz")),
        ("train NPZ member claiming 100 GB", tr + ["--data", "npz_liar.npz"], e("npz_liar.npz")),
        ("evaluate NPZ model member claiming 2^62 bytes", ["evaluate", "--weights", "npz_liar_max.npz", "--data", "moons"], e("npz_liar_max.npz")),
        ("export NPZ model member claiming 2^62 bytes", ["export", "--weights", "npz_liar_max.npz", "--onnx", "m.onnx"], e("npz_liar_max.npz")),
        ("train CSV of 100,000 distinct labels", tr + ["--data", "many_labels.csv"], e("many_labels.csv", "distinct labels")),
        ("train CSV of 100,000 labels, softmax", tr + ["--data", "many_labels.csv", "--output", "softmax"], e("many_labels.csv", "classes")),
        ("train CSV cell '1\\0'", tr + ["--data", "nul_cell.csv"], e("nul_cell.csv", "control")),
        ("train CSV cell with an escape sequence", tr + ["--data", "control_cell.csv"], e("control_cell.csv", "control")),
        ("predict CSV input '3\\0'", ["predict", *M, "--input", "nul_inputs.csv"], e("nul_inputs.csv", "control")),
        ("train CSV with a 50 MB number", tr + ["--data", "huge_cell.csv"], e("huge_cell.csv", "line 3")),
        ("train CSV with a 5 MB word", tr + ["--data", "huge_word.csv"], e("huge_word.csv")),
        ("train CSV quoted newline in a number", tr + ["--data", "newline_cell.csv"], e("newline_cell.csv")),
        ("train --label with a newline", tr + ["--data", "three.csv", "--label", "no\nsuch"], e("no\\nsuch")),
        ("train --data name with a newline", tr + ["--data", "missing\nError: fake.csv"], e("missing\\nError")),
        ("train --hidden of 100 KB", tr + ["--hidden", "h" * 100_000], e("--hidden")),
        ("evaluate --layers of 100 KB", ["evaluate", "--weights", "params_ok.npz", "--data", "moons", "--layers", "9" * 100_000], e("--layers")),
    ]


def bomb_ok_table(model):
    """Inputs near the edges that must work: huge but harmless flags, extreme finite features."""
    big = "9223372036854775807"
    M = ["--weights", model]
    return [
        ("train CSV features of +-1e308 (standardised)", ["train", "--data", "extreme.csv", "--epochs", "3", "--output-dir", "ext"]),
        ("predict CSV inputs of +-1e308", ["predict", "--weights", "ext/model.safetensors", "--input", "extreme_inputs.csv"]),
        ("train --batch-size Int.max", ["train", "--data", "moons", "--epochs", "1", "--batch-size", big, "--output-dir", "o1"]),
        ("train --limit, --log-every, --checkpoint-every, --patience Int.max",
         ["train", "--data", "moons", "--epochs", "1", "--limit", big, "--log-every", big, "--checkpoint-every", big,
          "--patience", big, "--validation-split", "0.5", "--output-dir", "o2"]),
        ("train --max-memory 50%", ["train", "--data", "moons", "--epochs", "1", "--max-memory", "50%", "--output-dir", "o3"]),
        ("evaluate --max-memory 2GiB", ["evaluate", *M, "--data", "moons", "--max-memory", "2GiB"]),
    ]


def check_bombs(d, model):
    for name, args, expectation in bomb_table(model):
        start = time.time()
        result = run(args, cwd=d, timeout=60)
        seconds = time.time() - start
        problem = verdict_error(result, expectation[1])
        if problem is None and seconds > BOMB_SECONDS:
            problem = f"took {seconds:.1f} s (a bomb must be refused before the work)"
        if problem is None and len(result.stderr) > 2000:
            problem = f"the Error: line is {len(result.stderr)} characters (echoed values must be excerpts)"
        shown = f"\n       stderr: {result.stderr.strip()[:500]!r}" if problem and result is not None else ""
        check(name, problem is None, (problem or "") + shown)
    for name, args in bomb_ok_table(model):
        result = run(args, cwd=d)
        problem = verdict_ok(result)
        if problem is None and "nan" in result.stdout.lower():
            problem = f"NaN in the output: {result.stdout[-300:]!r}"
        check(name, problem is None, problem or "")

    # --epochs Int.max: refused in one line naming the flag (each epoch keeps a history record,
    # so the count is bounded), not an overflow in the log or checkpoint intervals.
    result = run(["train", "--data", "moons", "--epochs", "9223372036854775807", "--output-dir", "forever"], cwd=d)
    marker = next((m for m in CRASH_MARKERS if m in result.stdout or m in result.stderr), None)
    first = result.stderr.strip().splitlines()[0] if result.stderr.strip() else ""
    check("train --epochs Int.max is refused naming --epochs", result.returncode != 0 and marker is None
          and first.startswith("Error:") and "--epochs" in first and not os.path.exists(os.path.join(d, "forever")),
          f"status {result.returncode}, marker {marker}: {result.stderr[-300:]!r}")
    # The largest count allowed runs (no overflow in the intervals) and a Ctrl-C stops it with a checkpoint.
    process = subprocess.Popen([BINARY, "train", "--data", "moons", "--epochs", "10000000", "--output-dir", "forever"],
                               cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
                               preexec_fn=limit_address_space)
    time.sleep(3)
    process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=60)
        marker = next((m for m in CRASH_MARKERS if m in out or m in err), None)
        ok = process.returncode == 130 and marker is None and os.path.exists(os.path.join(d, "forever", "checkpoint.safetensors"))
        check("train --epochs 10000000 (the most) runs, and Ctrl-C checkpoints", ok, f"status {process.returncode}, marker {marker}: {err[-300:]!r}")
    except subprocess.TimeoutExpired:
        process.kill()
        check("train --epochs 10000000 (the most) runs, and Ctrl-C checkpoints", False, "did not stop after SIGINT")

    check_full_disk(d, model)


def check_full_disk(d, model):
    """A full disk says so, naming the file; only where a small tmpfs can be mounted (root)."""
    mount = os.path.join(d, "full")
    os.mkdir(mount)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount], capture_output=True).returncode != 0:
        print("skip full-disk checks (cannot mount a tmpfs here)")
        return
    try:
        try:
            write(os.path.join(mount, "filler"), bytes(128 * 1024))  # fills it: the write stops at ENOSPC
        except OSError:
            pass
        np.save(os.path.join(d, "X_wide.npy"), np.zeros((2, 5000)))
        cases = [
            ("predict --out .npy on a full disk", ["predict", "--weights", model, "--input", "X_wide.npy", "--out", f"{mount}/p.npy"], f"{mount}/p.npy"),
            ("predict --out .csv on a full disk", ["predict", "--weights", model, "--input", "X_wide.npy", "--out", f"{mount}/p.csv"], f"{mount}/p.csv"),
            ("export --onnx on a full disk", ["export", "--weights", model, "--onnx", f"{mount}/m.onnx"], f"{mount}/m.onnx"),
            ("train into a full disk", ["train", "--data", "moons", "--epochs", "2", "--output-dir", f"{mount}/run"], f"{mount}/run"),
        ]
        for name, args, path in cases:
            result = run(args, cwd=d)
            check(name, verdict_error(result, ["no space left on device", path]) is None,
                  verdict_error(result, ["no space left on device", path]) or "")
    finally:
        subprocess.run(["umount", mount], capture_output=True)


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
    tr = ["train", "--epochs", "2", "--output-dir", "out", "--overwrite"]
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
        ("evaluate --threads 0", ["evaluate", *M, "--data", "moons", "--threads", "0"], e("--threads")),
        ("predict --threads=-2", ["predict", *M, "--input", "nul_inputs.csv", "--threads=-2"], e("--threads")),
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
        ("info with BACKPROP_KERNELS unknown", ["info"], e("BACKPROP_KERNELS"), {"BACKPROP_KERNELS": "avx9"}),
        ("train with BACKPROP_KERNELS unknown", ["train", "--epochs", "1"], e("BACKPROP_KERNELS"), {"BACKPROP_KERNELS": "sse5"}),
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
    resume = lambda name: ["train", "--data", "moons", "--epochs", "6", "--output-dir", "out-guard", "--overwrite", "--resume", name]
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
        rows += conv_rows(d, model)
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
        make_bomb_fixtures(d)
        check_bombs(d, model)
    extra = f", {known} known (not counted)" if known else ""
    TALLY.finish(f"{extra} ({time.time() - start:.1f} s)")


def e_any():
    return ("error", [])


def conv_rows(d, dense_model):
    """Issue 17's bad input for convolutional networks: a kernel or window larger than the
    (padded) input, stride 0, a 'valid' padding with a fractional output size, vectors fed to a
    conv network and images (4-D arrays, or the wrong feature count) fed to either. Each is one
    line naming the layer and the shapes; the 10^10-pixel image is refused before its
    allocation (the run is under the address-space limit)."""
    rng = np.random.default_rng(17)
    folder = os.path.join(d, "idx8")
    os.makedirs(folder, exist_ok=True)
    for split, count in (("train", 40), ("t10k", 10)):
        images = rng.integers(0, 256, (count, 8, 8), dtype=np.uint8)
        write(os.path.join(folder, f"{split}-images-idx3-ubyte"), idx_header(8, [count, 8, 8]) + images.tobytes())
        write(os.path.join(folder, f"{split}-labels-idx1-ubyte"), idx_header(8, [count]) + rng.integers(0, 10, count, dtype=np.uint8).tobytes())
    np.save(os.path.join(d, "conv_X4d.npy"), rng.standard_normal((5, 8, 8, 1)))
    np.save(os.path.join(d, "conv_X2.npy"), rng.standard_normal((2, 5)))
    np.save(os.path.join(d, "conv_Y.npy"), np.eye(10)[:, rng.integers(0, 10, 5)])
    trained = run(["train", "--data", "idx8", "--arch", "conv:2:3,relu,maxpool:2,dense:10", "--epochs", "1",
                   "--output-dir", "convrun", "--overwrite"], cwd=d)
    check("conv fixture: train --arch on an 8×8 IDX folder", trained is not None and trained.returncode == 0,
          "" if trained is None else trained.stderr[-300:])
    conv = ["--weights", os.path.join("convrun", "model.safetensors")]
    tr = ["train", "--data", "idx8", "--epochs", "1", "--output-dir", "out", "--overwrite", "--arch"]
    e = lambda *words: ("error", list(words))
    return [
        ("conv kernel larger than the input", tr + ["conv:2:9,dense:10"], e("conv:2:9", "9×9", "1×8×8")),
        ("conv kernel larger than the padded input", tr + ["conv:2:11:1:1,dense:10"], e("conv:2:11:1:1", "11×11", "1×10×10")),
        ("pool window larger than the input", tr + ["conv:2:3,relu,maxpool:7,dense:10"], e("maxpool:7", "7×7", "2×6×6")),
        ("avgpool window larger than the input", tr + ["avgpool:9,dense:10"], e("avgpool:9", "9×9", "1×8×8")),
        ("conv stride 0", tr + ["conv:2:3:0,dense:10"], e("conv:2:3:0", "stride")),
        ("pool stride 0", tr + ["conv:2:3,maxpool:2:0,dense:10"], e("maxpool:2:0", "stride")),
        ("conv 'valid' with a fractional output size", tr + ["conv:2:3:2,dense:10"], e("conv:2:3:2", "valid", "8×8", "not a whole number")),
        ("conv 'same' with stride 2", tr + ["conv:2:3:2:same,dense:10"], e("conv:2:3:2:same", "same", "stride")),
        ("vectors (moons) fed to a conv network", ["train", "--data", "moons", "--epochs", "1", "--output-dir", "out",
                                                    "--overwrite", "--arch", "conv:2:3,dense:2"], e("conv:2:3", "vectors of 2 features")),
        ("pooling after a dense layer", tr + ["dense:5,maxpool:2"], e("maxpool:2", "vectors of 5 features")),
        ("ledger: a 10^10-pixel image is refused before it is allocated",
         ["ledger", "--arch", "conv:2:200000", "--image", "1x100000x100000"], e("conv:2:200000", "1×100000×100000")),
        ("explain: 'valid' with a fractional output size", ["explain", "--arch", "conv:2:3:2,dense:2", "--image", "1x8x8"],
         e("conv:2:3:2", "8×8", "not a whole number")),
        ("predict: vectors fed to a conv model", ["predict", *conv, "--input", "conv_X2.npy"],
         e("--input conv_X2.npy", "(2, 5)", "layer 1", "1×8×8")),
        ("predict: a 4-D image array fed to a conv model", ["predict", *conv, "--input", "conv_X4d.npy"],
         e("--input conv_X4d.npy", "(5, 8, 8, 1)")),
        ("predict: a 4-D image array fed to a dense model", ["predict", "--weights", dense_model, "--input", "conv_X4d.npy"],
         e("--input conv_X4d.npy", "(5, 8, 8, 1)")),
        ("grads: vectors fed to a conv model", ["grads", *conv, "--x", "conv_X2.npy", "--y", "conv_Y.npy"],
         e("(2, 5)", "layer 1", "1×8×8")),
    ]


if __name__ == "__main__":
    main()
