"""The shipped deployment files (``Dockerfile``, ``deploy/compose.yaml``, ``deploy/nginx.conf``) read
as data, and the nginx configuration rewritten to run on this machine without Docker."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
DOCKERFILE = REPO_DIR / "Dockerfile"
COMPOSE_FILE = REPO_DIR / "deploy" / "compose.yaml"
NGINX_CONF = REPO_DIR / "deploy" / "nginx.conf"


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, COPY ...
    args: str  # the rest, continuation lines joined

    def exec_form(self) -> list[str] | None:
        """The JSON array of an exec-form CMD/ENTRYPOINT/HEALTHCHECK CMD, else None."""
        text = self.args
        if self.keyword == "HEALTHCHECK":
            text = text[text.index("CMD") + 3:] if "CMD" in text else ""
        text = text.strip()
        return json.loads(text) if text.startswith("[") else None


def dockerfile_stages(path: Path = DOCKERFILE) -> list[list[Instruction]]:
    """The Dockerfile's instructions, one list per build stage (comments dropped, ``\\`` continuations joined)."""
    stages: list[list[Instruction]] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, args = line.partition(" ")
        instruction = Instruction(keyword.upper(), args.strip())
        if instruction.keyword == "FROM":
            stages.append([])
        stages[-1].append(instruction)
    return stages


def env_of(stage: list[Instruction]) -> dict[str, str]:
    """The ``ENV`` variables a stage sets (``ENV A=1 B=2`` form)."""
    env: dict[str, str] = {}
    for ins in stage:
        if ins.keyword == "ENV":
            for item in shlex.split(ins.args):
                name, _, value = item.partition("=")
                env[name] = value
    return env


def upstream_servers(conf: str) -> list[str]:
    """The ``server`` addresses of the ``upstream taxapi`` block of an nginx configuration."""
    block = re.search(r"upstream\s+taxapi\s*\{(.*?)\}", conf, re.S)
    assert block is not None, "no upstream taxapi block"
    return re.findall(r"^\s*server\s+(\S+?)\s*;", block.group(1), re.M)


def local_nginx_conf(tmp: Path, port: int, upstreams: list[str]) -> str:
    """``deploy/nginx.conf`` as it would run here: its upstream servers replaced by ``upstreams``
    (``127.0.0.1:PORT``), listening on 127.0.0.1:``port``, in the foreground, with its pid, error log
    and temporary files under ``tmp``. Everything else is the shipped file."""
    conf = NGINX_CONF.read_text(encoding="utf-8")
    shipped = upstream_servers(conf)
    assert len(shipped) == len(upstreams), (shipped, upstreams)
    for name, address in zip(shipped, upstreams):
        conf = re.sub(rf"(^\s*server\s+){re.escape(name)}(\s*;)", rf"\g<1>{address}\g<2>", conf, count=1, flags=re.M)
    conf, listens = re.subn(r"^(\s*)listen\s+\d+\s*;", rf"\g<1>listen 127.0.0.1:{port};", conf, flags=re.M)
    assert listens == 1, "expected one plain listen directive"
    temp = "".join(f"    {kind}_temp_path {tmp}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = re.sub(r"^http\s*\{\n", lambda m: m.group(0) + temp, conf, count=1, flags=re.M)
    return f"daemon off;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log warn;\n" + conf
