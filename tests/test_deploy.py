"""The Dockerfile, the compose file and the nginx configuration, checked without a Docker daemon: what
the image runs and as whom, that its build copies what ``pyproject.toml`` builds from, that its health
check works against a real server, that compose puts two instances of it behind nginx, and that nginx
accepts the shipped configuration and balances over two real instances (skipped without nginx)."""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml

from taxapi.settings import ENV_PREFIX, Settings

from .deploy_files import (
    COMPOSE_FILE, DOCKERFILE, NGINX_CONF, REPO_DIR, dockerfile_stages, env_of, local_nginx_conf, upstream_servers,
)
from .servers import free_port, uvicorn_server, wait_until_up

PYPROJECT = tomllib.loads((REPO_DIR / "pyproject.toml").read_text(encoding="utf-8"))
SETTINGS = {ENV_PREFIX + name.upper() for name in Settings.model_fields} | {"FORWARDED_ALLOW_IPS"}
FINAL = dockerfile_stages()[-1]


def _only(stage, keyword):
    found = [i for i in stage if i.keyword == keyword]
    assert len(found) == 1, (keyword, found)
    return found[0]


def _nginx() -> str:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx)")
    return nginx


def _get(url: str, **headers: str) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}


# ----- Dockerfile --------------------------------------------------------------------------------

def test_the_image_runs_as_a_user_it_creates_that_is_not_root():
    user = _only(FINAL, "USER")
    name = user.args.split(":")[0]
    assert name not in {"root", "0"}
    before = FINAL[:FINAL.index(user)]
    creating = [i for i in before if i.keyword == "RUN" and "useradd" in i.args and name in shlex.split(i.args)]
    assert creating, f"no RUN useradd creates {name} before USER"
    uid = re.search(r"--uid\s+(\d+)", creating[0].args)
    assert uid is not None and int(uid.group(1)) != 0
    # Its home is the data volume, so `taxapi ecb refresh` can write there.
    assert env_of(FINAL)["TAXAPI_DATA_DIR"] == "/data" and "/data" in _only(FINAL, "VOLUME").args
    assert "--home-dir /data" in creating[0].args


def test_the_health_check_asks_for_readiness():
    check = _only(FINAL, "HEALTHCHECK")
    for option in ("--interval=", "--timeout=", "--retries="):
        assert option in check.args
    command = check.exec_form()
    assert command is not None and command[0] == "python"
    assert re.search(r"/(readyz|healthz)\b", " ".join(command))


def test_the_health_check_command_passes_on_a_ready_server_and_fails_without_one():
    command = _only(FINAL, "HEALTHCHECK").exec_form()
    assert command is not None
    argv = [sys.executable, *command[1:]]  # the image's python is the interpreter the package runs on
    with uvicorn_server(["taxapi.app:app"], path="/readyz") as url:
        ok = subprocess.run(argv, env={**os.environ, "TAXAPI_PORT": url.rsplit(":", 1)[1]}, capture_output=True,
                            timeout=60)
        assert ok.returncode == 0, ok.stderr
    down = subprocess.run(argv, env={**os.environ, "TAXAPI_PORT": str(free_port())}, capture_output=True, timeout=60)
    assert down.returncode != 0


def test_the_build_copies_what_pyproject_builds_the_package_from():
    build = dockerfile_stages()[0]
    copied: set[str] = set()
    for ins in build:
        if ins.keyword == "COPY" and "--from" not in ins.args:
            copied.update(p.rstrip("/") for p in shlex.split(ins.args)[:-1])
    assert PYPROJECT["build-system"]["build-backend"] == "hatchling.build"
    wheel = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = {"pyproject.toml", PYPROJECT["project"]["readme"], *wheel["packages"], *wheel["force-include"]}
    needed |= {p.name for p in REPO_DIR.glob("LICENSE*")}  # hatchling puts the licence files in the wheel
    assert needed <= copied, needed - copied
    for path in needed:
        assert (REPO_DIR / path).exists(), path
    ignored = [line.strip() for line in (REPO_DIR / ".dockerignore").read_text().splitlines() if line.strip()]
    for path in needed:
        assert not any(fnmatch.fnmatch(path, pattern) for pattern in ignored), (path, "is in .dockerignore")
    installs = [i.args for i in build if i.keyword == "RUN" and re.search(r"\bpip install\b", i.args)]
    assert len(installs) == 1 and shlex.split(installs[0])[-1] == "."  # the project itself, as pyproject declares it
    prefix = re.search(r"--prefix[= ](\S+)", installs[0])
    assert prefix is not None
    assert any(i.keyword == "COPY" and f"--from=build {prefix.group(1)} /usr/local" in i.args for i in FINAL)


def test_the_image_starts_the_server_the_readme_documents():
    command = _only(FINAL, "CMD").exec_form()
    assert command == ["taxapi", "serve"]
    assert PYPROJECT["project"]["scripts"]["taxapi"] == "taxapi.cli:main"
    readme = (REPO_DIR / "README.md").read_text(encoding="utf-8")
    assert "pip install . && taxapi serve" in readme
    env = env_of(FINAL)
    assert env["TAXAPI_HOST"] == "0.0.0.0"  # reachable from outside the container
    assert _only(FINAL, "EXPOSE").args == env["TAXAPI_PORT"]
    assert {k for k in env if k.startswith(ENV_PREFIX)} <= SETTINGS
    assert _only(FINAL, "STOPSIGNAL").args == "SIGTERM"


# ----- compose and nginx ---------------------------------------------------------------------------

COMPOSE = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
APPS = {name: s for name, s in COMPOSE["services"].items() if "build" in s}


def test_compose_runs_two_instances_of_the_image_behind_nginx():
    assert len(APPS) == 2
    for service in APPS.values():
        assert (COMPOSE_FILE.parent / service["build"]).resolve() / "Dockerfile" == DOCKERFILE
        assert "8000" in [str(p) for p in service["expose"]]
        assert set(service["environment"]) <= SETTINGS
    proxy = COMPOSE["services"]["nginx"]
    assert proxy["image"].startswith("nginx")
    mounts = {(COMPOSE_FILE.parent / v.split(":")[0]).resolve(): v.split(":")[1] for v in proxy["volumes"]}
    assert mounts[NGINX_CONF] == "/etc/nginx/nginx.conf"
    # nginx starts once both instances pass the image's health check.
    assert proxy["depends_on"] == {name: {"condition": "service_healthy"} for name in APPS}
    published = [str(p).split(":")[-1] for p in proxy["ports"]]
    assert re.search(rf"^\s*listen\s+{published[0]}\s*;", NGINX_CONF.read_text(), re.M)


def test_the_nginx_upstream_names_both_instances():
    assert sorted(upstream_servers(NGINX_CONF.read_text())) == sorted(f"{name}:8000" for name in APPS)


def test_nginx_accepts_the_shipped_configuration(tmp_path):
    nginx = _nginx()
    conf = tmp_path / "nginx.conf"
    conf.write_text(local_nginx_conf(tmp_path, free_port(), ["127.0.0.1:1", "127.0.0.1:2"]))
    result = subprocess.run([nginx, "-t", "-c", str(conf), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_two_instances_behind_the_shipped_nginx_and_one_of_them_stopping(tmp_path):
    nginx = _nginx()
    os.chmod(tmp_path, 0o755)  # nginx's workers may run as another user
    with ExitStack() as stack:
        one = stack.enter_context(uvicorn_server(["taxapi.app:app"]))
        second = ExitStack()
        two = second.enter_context(uvicorn_server(["taxapi.app:app"]))
        stack.callback(second.close)
        port = free_port()
        conf = tmp_path / "nginx.conf"
        conf.write_text(local_nginx_conf(tmp_path, port, [one.removeprefix("http://"), two.removeprefix("http://")]))
        proc = subprocess.Popen([nginx, "-c", str(conf), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stack.callback(proc.wait, 30)
        stack.callback(proc.terminate)
        proxy = f"http://127.0.0.1:{port}"
        wait_until_up(proxy, proc)
        status, headers = _get(proxy + "/readyz", **{"X-Request-ID": "deploy-check-1"})
        assert status == 200 and headers["x-request-id"] == "deploy-check-1"
        assert "taxapi-rates-version" in headers
        assert _get(proxy + "/metrics")[0] == 404  # scraped per instance, not through the balancer
        second.close()  # one instance goes away: nginx sends every request to the other
        assert [_get(proxy + "/healthz")[0] for _ in range(6)] == [200] * 6
