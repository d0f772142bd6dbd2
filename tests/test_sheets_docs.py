"""docs/sheets.md: every `$ curl` example answers what the page shows."""

from __future__ import annotations

import csv
import io
import re
import shlex

from .conftest import REPO_DIR

DOC = (REPO_DIR / "docs" / "sheets.md").read_text(encoding="utf-8")


def _examples():
    for block in re.findall(r"```console\n(.*?)```", DOC, re.S):
        current = None
        for line in block.splitlines():
            if line.startswith("$ "):
                current = {"cmd": line[2:], "out": []}
                yield current
            elif current is not None:
                current["out"].append(line)


EXAMPLES = list(_examples())


def _run(client, cmd: str):
    args = shlex.split(cmd.split(" | ")[0])
    url = next(a for a in args if a.startswith("http://")).removeprefix("http://127.0.0.1:8000")
    if "-X" in args:
        data = next(a for a in args if a.startswith("@") or a.startswith("file=@"))
        path = REPO_DIR / data.split("@", 1)[1]
        if not path.exists():
            return None
        return client.post(url, content=path.read_bytes(), headers={"content-type": "text/csv"})
    return client.get(url)


def test_docs_have_examples():
    assert len(EXAMPLES) >= 7


def test_documented_answers(client):
    checked = 0
    for ex in EXAMPLES:
        r = _run(client, ex["cmd"])
        if r is None:
            continue
        text = r.content.decode("utf-8-sig")
        if "format=text" in ex["cmd"]:
            assert text.rstrip("\n") == "\n".join(ex["out"]), ex["cmd"]
        elif "format=csv" in ex["cmd"]:
            rows = list(csv.DictReader(io.StringIO(text)))
            cols = ex["out"][0].split("  ")[0].split(",")
            shown = [line.split(",") for line in ex["out"][1:]]
            assert [[row[c] for c in cols] for row in rows] == shown
        else:
            n = len(ex["out"])
            assert text.splitlines()[:n] == ex["out"], ex["cmd"]
        checked += 1
    assert checked >= 7
