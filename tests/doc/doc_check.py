"""doc_check.py — the documentation is checked against the program it documents.

1. Runnable blocks. In README.md and doc/*.md, a fenced code block preceded by
   the line `<!-- doc-check: run -->` (an HTML comment: GitHub shows nothing
   of it) is executed, line by line, by bash. A line ending in `\\` continues
   on the next. A line may end in `# exit N`: it must exit with N; any other
   line must exit 0. The blocks of one page run in order in one scratch
   directory (later blocks may use what earlier ones wrote) holding:
     corpora/sample, corpora/runs, tokenizers   links to the repository's
     results/                                   a copy of the committed results
   and with `cimeter` on PATH as the binary under test ($CIMETER). So a block
   reads like commands typed at the repository root, and writes nothing there.
   `<!-- doc-check: run needs=SPEC[,SPEC] -->` skips the block (with a note)
   when this build cannot set up one of the tokenizers (tiktoken rank files
   not fetched, a decoder library not built).
2. Options. Every `--option` written after `cimeter COMMAND` in any fenced
   block of those pages exists in `cimeter COMMAND --help`.
3. Man page. Every option that `cimeter COMMAND --help` prints, for every
   command `cimeter --help` lists, appears in doc/cimeter.1.
4. No page points outside the repository (no `../shared`).

Environment: CIMETER (binary), CIM_SOURCE_ROOT (repository). Exit 0 when all
hold, 1 otherwise (each failure printed with its file and line).
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

cim = os.environ["CIMETER"]
root = os.environ["CIM_SOURCE_ROOT"]
# Under LeakSanitizer: fontconfig (through cairo, in report's plots) keeps its
# caches to the end of the process; the suppressions the report tests use.
os.environ["LSAN_OPTIONS"] = ":".join(
    x for x in ("suppressions=" + os.path.join(root, "tests", "report", "lsan.supp"),
                os.environ.get("LSAN_OPTIONS", "")) if x)
MARK = re.compile(r"^<!--\s*doc-check:\s*run(?:\s+needs=(\S+))?\s*-->\s*$")
FENCE = re.compile(r"^(```+|~~~+)\s*(\S*)")
EXIT = re.compile(r"#\s*exit\s+(\d+)\s*$")
CMD = re.compile(r"(?:^|[\s/\"'(])cimeter\"?\s+([a-z][a-z-]*)")
fails = 0


def fail(where, what):
    global fails
    fails += 1
    print(f"FAIL: {where}: {what}")


def pages():
    names = [os.path.join(root, "README.md")] + sorted(glob.glob(os.path.join(root, "doc", "*.md")))
    return [n for n in names if os.path.isfile(n)]


def blocks(path):
    """Yields (first line number, runnable, needs, lines) for each fenced block."""
    lines = open(path, encoding="utf-8").read().split("\n")
    i, pending = 0, None
    while i < len(lines):
        m = MARK.match(lines[i])
        if m:
            pending = (i + 1, m.group(1))
            i += 1
            continue
        f = FENCE.match(lines[i])
        if f:
            fence, start, body = f.group(1), i + 1, []
            i += 1
            while i < len(lines) and not lines[i].startswith(fence):
                body.append(lines[i])
                i += 1
            if pending and pending[0] != start - 1:
                fail(f"{path}:{pending[0]}", "a run marker must be the line right before a fence")
            runnable = pending is not None and pending[0] == start - 1
            yield start, runnable, (pending[1] if runnable else None), body
            pending = None
        elif lines[i].strip() and pending:
            fail(f"{path}:{pending[0]}", "run marker not followed by a fenced block")
            pending = None
        i += 1


def commands(start, body):
    """Joins continued lines: yields (line number, command text)."""
    cur, first = "", None
    for k, line in enumerate(body):
        if first is None:
            first = start + 1 + k
        if line.endswith("\\"):
            cur += line[:-1] + " "
            continue
        cur += line
        if cur.strip() and not cur.strip().startswith("#"):
            yield first, cur
        cur, first = "", None


def help_text(command):
    p = subprocess.run([cim, command, "--help"], capture_output=True, text=True)
    return p.stdout if p.returncode == 0 else None


def subcommands():
    out = subprocess.run([cim, "--help"], capture_output=True, text=True).stdout
    return [l.split()[0] for l in out.splitlines() if re.match(r"^  [a-z][a-z-]+\s{2,}\S", l)]


def options_in(text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", text))


def can_set_up(spec, scratch):
    empty = os.path.join(scratch, ".empty")
    open(empty, "w").close()
    probe = os.path.join(scratch, ".probe.json")
    p = subprocess.run([cim, "measure", "--no-progress", "-t", spec, "-o", probe, empty],
                       capture_output=True, text=True)
    return p.returncode in (0, 1)


def scratch_dir():
    d = tempfile.mkdtemp(prefix="doc-check-")
    os.makedirs(os.path.join(d, "corpora"))
    for rel in ("corpora/sample", "corpora/runs", "tokenizers"):
        os.symlink(os.path.join(root, rel), os.path.join(d, rel))
    shutil.copytree(os.path.join(root, "results"), os.path.join(d, "results"))
    bindir = os.path.join(d, ".bin")
    os.makedirs(bindir)
    os.symlink(os.path.abspath(cim), os.path.join(bindir, "cimeter"))
    return d, bindir


def run_page(path, page_blocks):
    rel = os.path.relpath(path, root)
    scratch, bindir = scratch_dir()
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    env.pop("COLUMNS", None)
    ran = 0
    try:
        for start, needs, body in page_blocks:
            missing = [s for s in (needs.split(",") if needs else []) if not can_set_up(s, scratch)]
            if missing:
                print(f"skip: {rel}:{start}: this build cannot set up {', '.join(missing)}")
                continue
            for line_no, cmd in commands(start, body):
                m = EXIT.search(cmd)
                want = int(m.group(1)) if m else 0
                try:
                    p = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=scratch, env=env,
                                       capture_output=True, text=True, timeout=300)
                    rc, err = p.returncode, p.stderr
                except subprocess.TimeoutExpired:
                    rc, err = "timeout", ""
                ran += 1
                if rc != want:
                    fail(f"{rel}:{line_no}",
                         f"`{cmd.strip()}` exited {rc}, documented {want}\n{err[-2000:]}")
                else:
                    print(f"ok: {rel}:{line_no}: exit {rc}: {cmd.strip()[:100]}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return ran


def main():
    helps = {c: help_text(c) for c in subcommands()}
    if not helps or any(h is None for h in helps.values()):
        fail("cimeter --help", f"commands or their --help missing: {helps.keys()}")
        return
    ran = 0
    for path in pages():
        rel = os.path.relpath(path, root)
        text = open(path, encoding="utf-8").read()
        if "../shared" in text or "SPEC.md" in text:
            fail(rel, "points outside the repository (../shared, SPEC.md)")
        runnable = []
        for start, is_run, needs, body in blocks(path):
            for line_no, cmd in commands(start, body):
                for m in CMD.finditer(cmd):
                    sub = m.group(1)
                    if sub not in helps:
                        continue
                    tail = re.split(r"[|;&#]", cmd[m.end():])[0]
                    for opt in sorted(options_in(tail) - options_in(helps[sub]) - {"--help"}):
                        fail(f"{rel}:{line_no}",
                             f"`cimeter {sub} {opt}` is not in `cimeter {sub} --help`")
            if is_run:
                runnable.append((start, needs, body))
        if runnable:
            ran += run_page(path, runnable)
    print(f"ran {ran} documented command line(s)")
    if ran == 0:
        fail("README.md, doc/*.md", "no runnable block found")
    man = open(os.path.join(root, "doc", "cimeter.1"), encoding="utf-8").read()
    man = re.sub(r"\\f[BIRP]", "", man).replace("\\-", "-")
    man_opts = options_in(man)
    for sub, h in helps.items():
        if not re.search(r"(?m)^\.(?:B|SS|TP)?.*\b" + re.escape(sub) + r"\b", man):
            fail("doc/cimeter.1", f"command {sub} not described")
        for opt in sorted(options_in(h) - man_opts):
            fail("doc/cimeter.1", f"`cimeter {sub} {opt}` (from --help) is not documented")
        for short in sorted(set(re.findall(r"(?m)^\s+(-[a-zA-Z]),", h))):
            if not re.search(r"(?<![\w-])" + re.escape(short) + r"(?![\w-])", man):
                fail("doc/cimeter.1", f"`cimeter {sub} {short}` (from --help) is not documented")


main()
print("all checks passed" if not fails else f"{fails} check(s) failed")
sys.exit(1 if fails else 0)
