"""cimeter.fit: scaling laws fitted by libcimeter's fitter (doc/fitting.md)."""
from __future__ import annotations

import csv
import json
import os
import tempfile
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from . import _cimeter


class Fit:
    """A fitted law, with the JSON names ``cimeter fit`` writes.

    ``estimates``: the law's parameters ({"a": ..., "b": ..., "c": ...} for loglinear;
    E, A, B, alpha, beta for chinchilla). ``intervals``: their bootstrap intervals.
    ``data``: the whole JSON object; ``to_json()`` its text.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self.data: Dict[str, Any] = json.loads(text)

    @property
    def form(self) -> str:
        return self.data.get("form", "")

    @property
    def estimates(self) -> Dict[str, float]:
        return self.data.get("estimates", {})

    @property
    def intervals(self) -> Dict[str, Any]:
        return self.data.get("intervals", {})

    def to_json(self) -> str:
        return self._text

    def loss(self, params: float, data: float) -> float:
        """The law's loss at ``params`` parameters and ``data`` tokens (D_eff)."""
        return _cimeter.predict(self._text, "loss", float(params), float(data))[2]

    def predict(self, *, flops: Optional[float] = None, target_loss: Optional[float] = None,
                data: Optional[float] = None, params: Optional[float] = None) -> Dict[str, float]:
        """As ``cimeter predict``: ``flops=C`` gives the compute-optimal params and data
        (chinchilla fits); ``target_loss=L, data=D`` the smallest params reaching L;
        ``target_loss=L, params=P`` the data P needs; ``params=P, data=D`` the loss.
        Returns {"params", "data", "loss"}; a target out of reach raises Error
        (code "refused")."""
        if flops is not None:
            if target_loss is not None or data is not None or params is not None:
                raise TypeError("flops= goes alone")
            P, D, L = _cimeter.predict(self._text, "flops", float(flops))
        elif target_loss is not None and data is not None and params is None:
            P, D, L = _cimeter.predict(self._text, "params", float(target_loss), float(data))
        elif target_loss is not None and params is not None and data is None:
            P, D, L = _cimeter.predict(self._text, "data", float(target_loss), float(params))
        elif target_loss is None and params is not None and data is not None:
            P, D, L = _cimeter.predict(self._text, "loss", float(params), float(data))
        else:
            raise TypeError("predict(flops=C), predict(target_loss=L, data=D), "
                            "predict(target_loss=L, params=P) or predict(params=P, data=D)")
        return {"params": P, "data": D, "loss": L}

    def __repr__(self) -> str:
        return f"<cimeter.Fit {self.form} {self.estimates}>"


RunsLike = Union[str, "os.PathLike[str]", Sequence[Mapping[str, Any]], Any]


def _write_csv(rows: List[Mapping[str, Any]], path: str) -> None:
    columns: List[str] = []
    for row in rows:
        for k in row:
            if k not in columns:
                columns.append(k)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for row in rows:
            w.writerow([repr(float(row[k])) if isinstance(row.get(k), (int, float))
                        and not isinstance(row.get(k), bool) else row.get(k, "")
                        for k in columns])


def _strs(value: Union[None, str, Iterable[str], Mapping[str, Any]],
          what: str) -> Optional[List[str]]:
    """A str or a list of str as a list; a mapping {name: value} as "name=value" items."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [f"{k}={v!r}" if isinstance(v, float) else f"{k}={v}" for k, v in value.items()]
    items = list(value)
    if not all(isinstance(v, str) for v in items):
        raise TypeError(f"{what} wants str items")
    return items


def fit(runs: RunsLike, form: str = "loglinear", c: Union[None, str, Mapping[str, float]] = None,
        results: Union[None, str, "os.PathLike[str]", Any] = None,
        tokenizers: Optional[Iterable[str]] = None, bootstrap: int = 1000,
        seed: Optional[int] = None, *,
        param: Union[None, str, Iterable[str], Mapping[str, Any]] = None,
        column: Union[None, str, Iterable[str]] = None,
        start: Union[None, str, Iterable[str]] = None,
        weight: Optional[str] = None, objective: Optional[str] = None,
        solver: Optional[str] = None, starts: Union[None, int, str] = None,
        delta: Optional[float] = None) -> Fit:
    """Fits a scaling law to training runs, as ``cimeter fit`` (doc/fitting.md).

    runs: a CSV path, a list of dicts or a pandas DataFrame with params, loss and
    tokens or raw_<modality> columns. form: "loglinear", "chinchilla", "free-c", a
    named formula ("kaplan", "gadre", "data-constrained", "chinchilla-formula") or any
    law as a formula, ``"L = E + A/N^alpha + B/D^beta"`` (``--form``).
    c: compression factors ({"text": 3.9} or "text=3.9,image=768"); results: a
    measure JSON path or a :class:`cimeter.Result` to take them from (``tokenizers``
    picks which aggregate per modality). bootstrap: resamples for the intervals.

    With a formula, as the CLI's options of the same names: param (``--param``, one
    str or a list: "E=1.69" frozen, "alpha=beta" tied, "log A" fitted in log space; a
    dict {"E": 1.69} freezes), column (``--column``, "M = D/N"), start (``--start``,
    "alpha=0:2:0.5"), weight (``--weight``), objective ("lsq", "huber-log",
    "huber-likelihood"), solver ("auto", "varpro", "lm"). starts: BFGS/LM starts from
    the best N grid points, or "all" (``--starts``); delta: the Huber delta
    (``--delta``).
    """
    if starts == "all":
        starts = 0
    elif starts is not None and (not isinstance(starts, int) or isinstance(starts, bool)
                                 or starts < 1):
        raise TypeError("starts wants an int >= 1 or 'all'")
    tmp: List[str] = []
    try:
        if isinstance(runs, (str, os.PathLike)):
            csv_path = os.fspath(runs)
        else:
            if hasattr(runs, "to_dict"):          # a pandas DataFrame
                rows = runs.to_dict("records")
            else:
                rows = list(runs)
            fd, csv_path = tempfile.mkstemp(suffix=".csv", prefix="cimeter-runs-")
            os.close(fd)
            tmp.append(csv_path)
            _write_csv(rows, csv_path)
        results_path = None
        if results is not None:
            if hasattr(results, "to_json"):
                fd, results_path = tempfile.mkstemp(suffix=".json", prefix="cimeter-results-")
                with os.fdopen(fd, "w") as f:
                    f.write(results.to_json())
                tmp.append(results_path)
            else:
                results_path = os.fspath(results)
        if isinstance(c, Mapping):
            c = ",".join(f"{k}={float(v)!r}" for k, v in c.items())
        with tempfile.TemporaryDirectory(prefix="cimeter-") as tmpdir:
            out = os.path.join(tmpdir, "fit.json")
            _cimeter.fit(out, csv_path, form, c, results_path,
                         list(tokenizers) if tokenizers else None, int(bootstrap), seed,
                         params=_strs(param, "param"), columns=_strs(column, "column"),
                         start=_strs(start, "start"), weight=weight, objective=objective,
                         solver=solver, starts=starts,
                         delta=None if delta is None else float(delta))
            with open(out, encoding="utf-8") as f:
                return Fit(f.read())
    finally:
        for p in tmp:
            os.unlink(p)
