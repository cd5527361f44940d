"""cimeter from Python: compression factors (raw bytes per token) per modality and tokenizer.

A thin layer over libcimeter, the library the ``cimeter`` program is built on: the
figures are the CLI's, computed by the same C code (doc/python.md).

    >>> import cimeter
    >>> run = cimeter.measure(["corpora/sample"], tokenizers=["text:bytes"])
    >>> run.aggregates[0]["C"]
    >>> cimeter.Counter("text:bytes").count("hello").tokens
    5
"""
from __future__ import annotations

import os
import signal
import tempfile
import threading
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence, Union

from . import _cimeter
from ._fit import Fit, fit
from ._result import Result

__all__ = ["Error", "Result", "Count", "Counter", "Fit", "measure", "fit", "tokenizers",
           "spec_expand", "install_sigint_handler", "__version__"]

__version__: str = _cimeter.version


class Error(Exception):
    """A libcimeter error: ``.code`` is its name as in the JSON ("corrupt", "usage", ...)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


_cimeter._set_error_type(Error)

_LIMITS = ("max_pixels", "max_frames", "max_seconds", "max_decoded_bytes", "time_budget")

PathLike = Union[str, "os.PathLike[str]"]


def _paths(paths: Union[PathLike, Iterable[PathLike]]) -> list:
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return [os.fspath(p) for p in paths]


def _limits(limits: dict) -> dict:
    """The limits given, typed; the others keep the CLI's defaults."""
    out = {}
    for name, value in limits.items():
        if name not in _LIMITS:
            raise TypeError(f"unknown limit {name!r} (one of {', '.join(_LIMITS)})")
        out[name] = float(value) if name in ("max_seconds", "time_budget") else int(value)
    return out


def measure(paths: Union[PathLike, Iterable[PathLike]],
            tokenizers: Optional[Sequence[str]] = None,
            jobs: Optional[int] = None,
            per_file: bool = False,
            info: bool = False,
            *,
            json_field: Optional[str] = None,
            include: Optional[Sequence[str]] = None,
            exclude: Optional[Sequence[str]] = None,
            **limits: float) -> Result:
    """Measures files and directories as ``cimeter measure`` does.

    paths: files or directories (walked, sorted; archives and compressed streams opened).
    tokenizers: specs or presets (``"text:spm:model.model"``, ``"vit-b16"``); None: one
    default per modality. jobs: threads (None: all cores). per_file: keep each file's
    record (``Result.files``). info: zstd the canonical raw stream (``--info``).
    limits: ``max_pixels``, ``max_frames``, ``max_seconds``, ``max_decoded_bytes``,
    ``time_budget`` (seconds per file), as the CLI's options of those names (the others
    keep the CLI's defaults).

    Files that cannot be measured are records with an error (``Result.errors``), not
    exceptions; a bad tokenizer spec or option raises :class:`Error`. The GIL is released
    while measuring. Ctrl-C (SIGINT) stops the run, whichever thread called measure()
    and whichever thread the signal lands on: files being measured finish, no new ones
    begin, and KeyboardInterrupt is raised in the calling thread (see
    :func:`install_sigint_handler`).
    """
    with tempfile.TemporaryDirectory(prefix="cimeter-") as tmp:
        out = os.path.join(tmp, "run.json")
        args = (out, _paths(paths), list(tokenizers) if tokenizers is not None else None,
                int(jobs or 0), bool(per_file), bool(info), _limits(limits), json_field,
                list(include) if include else None, list(exclude) if exclude else None)
        _measure_interruptible(args)
        with open(out, encoding="utf-8") as f:
            return Result(f.read())


# Runs in progress, cancelled together by SIGINT (Ctrl-C).
_active_lock = threading.Lock()
_active: set = set()
_previous_sigint = None


def _on_sigint(signum: int, frame) -> None:
    """SIGINT: cancel every run in progress, then do what the previous handler did
    (Python's default raises KeyboardInterrupt in the main thread)."""
    with _active_lock:
        handles = list(_active)
    for handle in handles:
        handle.cancel()
    previous = _previous_sigint
    if callable(previous):
        previous(signum, frame)
    elif previous != signal.SIG_IGN:
        raise KeyboardInterrupt


def install_sigint_handler() -> bool:
    """Makes Ctrl-C (SIGINT) cancel every ``measure()`` in progress, in any thread, then
    run the handler that was there before (by default: KeyboardInterrupt in the main
    thread). Done on import when cimeter is imported in the main thread; call it again
    (from the main thread) after installing a SIGINT handler of your own, which is then
    chained. Returns False where it cannot: outside the main thread, or when SIGINT is
    ignored or handled outside Python."""
    global _previous_sigint
    if threading.current_thread() is not threading.main_thread():
        return False
    current = signal.getsignal(signal.SIGINT)
    if current is _on_sigint:
        return True
    if current in (signal.SIG_IGN, None):
        return False
    _previous_sigint = current
    signal.signal(signal.SIGINT, _on_sigint)
    return True


def _wait_uninterrupted(done: threading.Event) -> None:
    """Waits for the cancelled run to end (the files in progress finish): a second Ctrl-C
    meanwhile must not leave the library running after measure() has returned."""
    while True:
        try:
            if done.wait(0.05):
                return
        except KeyboardInterrupt:
            continue


def _measure_interruptible(args: tuple) -> None:
    """Runs the library's measure with a cancel handle that SIGINT reaches (_on_sigint).
    In the main thread the library runs in a helper thread (the GIL released) while
    this thread waits, so that Python can run the signal handler; elsewhere it runs in
    the calling thread, and the main thread's handler cancels it. A cancelled run raises
    KeyboardInterrupt where measure() was called."""
    handle = _cimeter._Cancel()
    outcome: dict = {}
    done = threading.Event()

    def work() -> None:
        try:
            _cimeter.measure(*args, cancel=handle)
        except BaseException as exc:     # handed to the waiting thread
            outcome["error"] = exc
        finally:
            done.set()

    with _active_lock:
        _active.add(handle)
    try:
        if threading.current_thread() is not threading.main_thread():
            work()
        else:
            install_sigint_handler()
            t = threading.Thread(target=work, name="cimeter.measure", daemon=True)
            t.start()
            # An Event, not Thread.join: a join that KeyboardInterrupt breaks can leave the
            # thread looking finished while it still runs.
            try:
                while not done.wait(0.05):
                    pass
            except KeyboardInterrupt:
                handle.cancel()
                _wait_uninterrupted(done)
                raise
    finally:
        with _active_lock:
            _active.discard(handle)
    if handle.cancelled():
        raise KeyboardInterrupt("cimeter.measure cancelled by SIGINT")
    if "error" in outcome:
        raise outcome["error"]


@dataclass(frozen=True)
class Count:
    """One buffer's figures: tokens under the counter's tokenizer, its canonical raw bytes
    (doc/records.md), the units (chars, pixels, frames or samples) and the modality."""
    modality: str
    tokens: int
    raw_bytes: int
    units: int
    file_bytes: int
    seconds: float

    @property
    def C(self) -> float:
        """Raw bytes per token (NaN when there are no tokens)."""
        return self.raw_bytes / self.tokens if self.tokens else float("nan")


_MODALITY = {"text": 0, "image": 1, "video": 2, "audio": 3}


class Counter:
    """Counts data in memory under one tokenizer, exactly as the CLI counts a file with
    that content (sniffed the same way).

    ``Counter("text:spm:model.model").count("some text")``. Thread-safe: calls on one
    Counter are serialised (each holds its own lock; the GIL is released while
    counting), so give each thread or data-loader worker its own Counter to count in
    parallel. A Counter made before ``fork`` may be used in the child (data-loader
    workers): it holds no thread, only its tokenizer and a memory file.
    """

    def __init__(self, spec: str, **limits: float) -> None:
        self._c = _cimeter._Counter(spec, _limits(limits))
        self._lock = threading.Lock()

    @property
    def spec(self) -> str:
        """The canonical spec string, as the JSON records it."""
        return self._c.spec

    def _count(self, data: Union[str, bytes, bytearray, memoryview], modality: int) -> Count:
        if not isinstance(data, (str, bytes, bytearray, memoryview)):
            raise TypeError(f"count() needs str or bytes, not {type(data).__name__}")
        return Count(*self._c._count(data, modality))

    def count(self, data: Union[str, bytes, bytearray, memoryview]) -> Count:
        """Counts text (str is counted as its UTF-8) or encoded file content (bytes),
        sniffed like the CLI sniffs a file."""
        return self._count(data, -1)

    def count_image(self, data: bytes) -> Count:
        """Counts an encoded image (PNG, JPEG, ...); other content raises Error."""
        return self._count(data, _MODALITY["image"])

    def count_audio(self, data: bytes) -> Count:
        """Counts encoded audio (WAV, FLAC, MP3, Ogg, ...); other content raises Error."""
        return self._count(data, _MODALITY["audio"])

    def count_video(self, data: bytes) -> Count:
        """Counts an encoded video (MP4, WebM, ...); other content raises Error."""
        return self._count(data, _MODALITY["video"])

    def count_text(self, data: Union[str, bytes]) -> Count:
        """Counts text; content sniffed as another modality raises Error."""
        return self._count(data, _MODALITY["text"])


def tokenizers() -> dict:
    """The tokenizer catalogue: ``{"specs": [...], "presets": {name: spec},
    "defaults": {modality: spec}, "text": ...}``
    parsed from what ``cimeter tokenizers`` prints (``text`` holds it whole)."""
    from ._result import parse_catalogue
    return parse_catalogue(_cimeter.tokenizers())


def spec_expand(spec: str) -> str:
    """The canonical spec of a spec or preset (``"vit-b16"`` -> ``"image:patch:..."``)."""
    return _cimeter.spec_expand(spec)


install_sigint_handler()
