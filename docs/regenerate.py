#!/usr/bin/env python3
"""Regenerates the transcripts and command outputs in README.md and docs/*.md from the current
binary, so the documentation cannot drift from what the commands print.

Two kinds of generated text:
  * transcripts: a ```text fence whose first line is `$ backprop ARGS`; everything after that
    line is the command's output (stdout, then stderr), indented as the fence is;
  * generated regions: `<!-- generated: backprop ARGS -->` ... `<!-- end generated -->`; the
    region is the command's stdout (for `--format markdown` output, `(headings +1)` at the end
    of the marker moves every heading one level down).
Commands run in a scratch folder holding every file the page defines in a ```python fence whose
first line is `# NAME.py` (so `backprop check origin.py` reads the page's own origin.py).
Timing-dependent pages (docs/benchmarks.md, the training tables) hold measurements, not
transcripts, and are not touched.

Usage: regenerate.py PATH_TO_BACKPROP [--check]
  --check: rewrite nothing; print a diff and exit 1 when a committed page differs.
"""
import difflib
import os
import pty
import re
import shlex
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = ["README.md"] + sorted(os.path.join("docs", n) for n in os.listdir(os.path.join(ROOT, "docs")) if n.endswith(".md"))
FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```\n", re.S | re.M)
REGION = re.compile(r"(<!-- generated: (backprop [^>]*?)( \(headings \+1\))? -->\n)(.*?)(<!-- end generated -->)", re.S)


def run(binary, args, cwd):
    """The command's output as a terminal shows it (standard output on a pseudo-terminal, so
    `check` prints its ✓ and ✗), then its standard error; ANSI escapes and \\r removed."""
    primary, secondary = pty.openpty()
    process = subprocess.Popen([binary, *args], stdout=secondary, stderr=subprocess.PIPE, cwd=cwd,
                               env={**os.environ, "COLUMNS": "100", "BACKPROP_THREADS": "1"})
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    error = process.stderr.read().decode()
    process.wait()
    text = b"".join(chunks).decode().replace("\r\n", "\n").replace("\r", "")
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text) + error


def page_files(text, folder):
    for match in FENCE.finditer(text):
        body = match.group(3)
        first = body.split("\n", 1)[0].strip()
        name = first[2:].strip() if first.startswith("# ") else ""
        if match.group(2) == "python" and re.fullmatch(r"[\w.-]+\.py", name):
            indent = match.group(1)
            lines = [line[len(indent):] if line.startswith(indent) else line for line in body.splitlines()]
            with open(os.path.join(folder, name), "w") as f:
                f.write("\n".join(lines) + "\n")


def regenerate(text, binary, folder):
    def transcript(match):
        indent, kind, body = match.group(1), match.group(2), match.group(3)
        first = body.split("\n", 1)[0]
        if kind != "text" or not first.strip().startswith("$ backprop "):
            return match.group(0)
        command = first.strip()[2:]
        output = run(binary, shlex.split(command)[1:], folder).rstrip("\n")
        lines = [first] + [(indent + line).rstrip() for line in output.split("\n")]
        return f"{indent}```text\n" + "\n".join(lines) + f"\n{indent}```\n"

    def region(match):
        output = run(binary, shlex.split(match.group(2))[1:], folder)
        if match.group(3):
            output = re.sub(r"^(#+) ", r"#\1 ", output, flags=re.M)
        return match.group(1) + output.rstrip("\n") + "\n" + match.group(5)

    return REGION.sub(region, FENCE.sub(transcript, text))


def main():
    binary = os.path.abspath(sys.argv[1])
    checking = "--check" in sys.argv[2:]
    drifted = []
    for page in PAGES:
        path = os.path.join(ROOT, page)
        text = open(path, encoding="utf-8").read()
        with tempfile.TemporaryDirectory() as folder:
            page_files(text, folder)
            new = regenerate(text, binary, folder)
        if new == text:
            continue
        drifted.append(page)
        if checking:
            sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), new.splitlines(True), f"{page} (committed)", f"{page} (regenerated)"))
        else:
            open(path, "w", encoding="utf-8").write(new)
            print(f"rewrote {page}")
    if checking and drifted:
        print(f"\n{len(drifted)} page(s) differ from what the binary prints: {', '.join(drifted)}; run docs/regenerate.py BINARY and commit")
        sys.exit(1)
    print(f"{len(PAGES)} pages checked, {len(drifted)} {'differ' if checking else 'rewritten'}")


if __name__ == "__main__":
    main()
