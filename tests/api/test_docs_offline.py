"""/docs and /redoc work without internet: every asset the pages load is served by the app itself, and
headless Chromium with all but 127.0.0.1 blocked renders Swagger UI's operation list and ReDoc's menu."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from ..servers import uvicorn_server


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.refs.append(value)


def _refs(html: str) -> list[str]:
    parser = _Refs()
    parser.feed(html)
    return parser.refs


@pytest.mark.parametrize(("page", "count"), [("/docs", 3), ("/redoc", 2)])
def test_every_asset_a_docs_page_loads_is_served_locally(client, page, count):
    r = client.get(page)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "cdn." not in html and "googleapis" not in html and "fastapi.tiangolo.com" not in html
    refs = _refs(html)
    assert len(refs) == count  # the bundle(s), the stylesheet for Swagger UI, the favicon
    for ref in refs:
        assert ref.startswith("/docs-assets/"), ref
        asset = client.get(ref)
        assert asset.status_code == 200 and len(asset.content) > 100, ref
    assert "/openapi.json" in html


@pytest.fixture(scope="module")
def live_server():
    with uvicorn_server(["taxapi.app:app", "--log-level", "warning", "--no-access-log"]) as url:
        yield url


def _render(url: str) -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    # Nothing but 127.0.0.1: every other host fails to resolve and any other connection goes to a dead proxy.
    proc = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-background-networking", "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1",
         "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", "--virtual-time-budget=20000",
         "--dump-dom", url],
        capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_swagger_ui_renders_offline(live_server):
    dom = _render(live_server + "/docs")
    assert 'class="opblock-summary-path" data-path="/v1/calculate"' in dom
    assert 'data-path="/v1/tax-ids/{id}"' in dom


def test_redoc_renders_offline(live_server):
    dom = _render(live_server + "/redoc")
    assert "menu-content" in dom and 'http-verb post">post</span>' in dom and "/v1/calculate</span>" in dom
