"""Result of cimeter.measure: the run's JSON (doc/records.md), parsed."""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List


class Result:
    """A measurement run, with the JSON names ``cimeter measure`` writes.

    ``aggregates``: one dict per (modality, tokenizer), fields as in the JSON ("C",
    "C_lo", "tokens", "raw_bytes", ...). ``files``: per-file records (only with
    ``per_file=True``). ``errors``: the records of files that could not be measured.
    ``data``: the whole JSON object.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self.data: Dict[str, Any] = json.loads(text)

    @property
    def aggregates(self) -> List[Dict[str, Any]]:
        return self.data.get("aggregates", [])

    @property
    def files(self) -> List[Dict[str, Any]]:
        return self.data.get("files", [])

    @property
    def errors(self) -> List[Dict[str, Any]]:
        return self.data.get("errors", [])

    def to_json(self) -> str:
        """The JSON text exactly as the library wrote it (what ``-o FILE`` holds)."""
        return self._text

    def to_pandas(self, what: str = "aggregates") -> Any:
        """A pandas DataFrame of the aggregates (or ``what="files"`` / ``"errors"``)."""
        try:
            import pandas
        except ImportError as exc:
            raise ImportError("Result.to_pandas() needs pandas: apt-get install python3-pandas "
                              "(or pip install pandas)") from exc
        if what not in ("aggregates", "files", "errors"):
            raise ValueError("what is 'aggregates', 'files' or 'errors'")
        return pandas.json_normalize(getattr(self, what))

    def __repr__(self) -> str:
        return (f"<cimeter.Result {len(self.aggregates)} aggregates, "
                f"{len(self.errors)} errors>")


def parse_catalogue(text: str) -> Dict[str, Any]:
    """Splits ``cimeter tokenizers``' text into tokenizer names, presets and defaults."""
    specs: List[str] = []
    presets: Dict[str, str] = {}
    defaults: Dict[str, str] = {}
    section = ""
    for line in text.splitlines():
        if line.startswith("Tokenizers"):
            section = "specs"
        elif line.startswith("Presets"):
            section = "presets"
        elif line.startswith("Defaults"):
            section = "defaults"
        elif section == "defaults" and line.startswith("  "):
            modality, spec = line.split()[:2]
            defaults[modality] = spec
        elif section == "specs" and re.match(r"^  [a-z]+:[a-z0-9_-]+\s", line):
            specs.append(line.split()[0])
        elif section == "presets" and re.match(r"^  \S+\s+[a-z]+:\S+", line):
            name, spec = line.split()[:2]
            presets[name] = spec
    return {"specs": specs, "presets": presets, "defaults": defaults, "text": text}
