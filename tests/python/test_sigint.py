"""python-sigint: Ctrl-C (SIGINT) stops cimeter.measure cleanly wherever it runs.

Each case runs in a child Python on a corpus far too large to finish first (200 files
of 256 KB of random words, counted by libsentencepiece with the committed model on one
thread: about 15 s of CPU here), sends SIGINT once the run is under way, and expects
KeyboardInterrupt from measure() in the thread that called it, then a working package
(a second, small measure). A run that SIGINT does not stop finishes, and fails the
test.
"""
import os
import random
import subprocess
import sys
import textwrap

import pytest

from conftest import SPM_MODEL

SLOW_SPM = f"text:spm:model={SPM_MODEL},engine=lib"

CHILD = textwrap.dedent(r'''
    import os, signal, sys, threading, time
    import cimeter

    corpus, spec, case = sys.argv[1], sys.argv[2], sys.argv[3]
    outcome = {}

    done = threading.Event()

    def measure():
        try:
            cimeter.measure([corpus], tokenizers=[spec], jobs=1)
            outcome["result"] = "finished"
        except KeyboardInterrupt:
            outcome["result"] = "KeyboardInterrupt"
        except BaseException as exc:
            outcome["result"] = repr(exc)
        finally:
            done.set()

    def interrupt(target_ident):
        time.sleep(1.0)       # the run is under way: it has minutes of work
        if target_ident is None:
            os.kill(os.getpid(), signal.SIGINT)
        else:                 # the signal lands on the thread inside the library
            signal.pthread_kill(target_ident, signal.SIGINT)

    if case == "main":
        threading.Thread(target=interrupt, args=(None,), daemon=True).start()
        measure()
    else:
        worker = threading.Thread(target=measure, name="measure-thread")
        worker.start()
        threading.Thread(target=interrupt, args=(None if case == "thread" else worker.ident,),
                         daemon=True).start()
        main_saw = "no"
        try:                             # (an Event: an interrupted join is unreliable)
            while not done.wait(0.05):
                pass
        except KeyboardInterrupt:        # the main thread gets it too, as Python does
            main_saw = "KeyboardInterrupt"
            done.wait()
        worker.join()
        print("main", main_saw)
    print("measure", outcome.get("result"))
    small = cimeter.measure([os.path.join(corpus, "f0000.txt")], tokenizers=["text:bytes"])
    print("after", small.aggregates[0]["tokens"])
''')


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("sigint")
    rng = random.Random(20240906)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
             for _ in range(5000)]
    for i in range(200):
        lines = [" ".join(rng.choices(words, k=12)) for _ in range(4000)]
        (root / f"f{i:04d}.txt").write_text("\n".join(lines) + "\n")
    return str(root)


@pytest.mark.parametrize("case", ["main", "thread", "thread-signalled"])
def test_sigint_stops_measure(case, big_corpus):
    env = dict(os.environ)
    proc = subprocess.run([sys.executable, "-c", CHILD, big_corpus, SLOW_SPM, case],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = dict(line.split(" ", 1) for line in proc.stdout.splitlines())
    assert out["measure"] == "KeyboardInterrupt", proc.stdout + proc.stderr
    if case != "main":
        assert out["main"] == "KeyboardInterrupt", proc.stdout
    size = os.path.getsize(os.path.join(big_corpus, "f0000.txt"))
    assert out["after"] == str(size)     # the package still works after the interrupt


def test_sigint_handler_chains():
    """The handler installed on import runs the previous one (KeyboardInterrupt by
    default) and a handler of the user's own, installed later, is chained again."""
    code = textwrap.dedent(r'''
        import os, signal, time
        import cimeter
        assert signal.getsignal(signal.SIGINT) is cimeter._on_sigint
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
            print("no interrupt")
        except KeyboardInterrupt:
            print("interrupt")
        seen = []
        signal.signal(signal.SIGINT, lambda s, f: seen.append(s))
        assert cimeter.install_sigint_handler()
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.2)
        print("user handler", len(seen))
    ''')
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:2] == ["interrupt", "user handler 1"]
