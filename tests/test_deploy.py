"""The deploy guide's nginx configuration, run by Debian's real nginx on 127.0.0.1: public served, party locked."""

from __future__ import annotations

import base64
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import LEDGER, NOTICE, REPO, SITE_YAML, run, write_site

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
HTPASSWD = shutil.which("htpasswd")
pytestmark = pytest.mark.skipif(not (NGINX and HTPASSWD), reason="nginx or htpasswd (apache2-utils) not installed")

PARTY = NOTICE.replace("关于冬季消防安全的通知", "党内通报庚辛壬").replace(
    "area: residents", "area: party\naudience: party"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("deploy")
    files = {"caiwu/2026-11.yaml": LEDGER, "notice.md": NOTICE, "party.md": PARTY}
    project = write_site(
        tmp / "site", files, SITE_YAML.replace("https://example.org/test/", "https://example.org/sanwu/")
    )
    assert run(project, "build", "--no-pdf", "--audience", "all", "--as-of", "2026-11-26").exit_code == 0
    for audience, password in (("party", "dangyuan"), ("committee", "liangwei")):
        subprocess.run([HTPASSWD, "-bcB", str(tmp / f"sanwu-{audience}.htpasswd"), "shequ", password], check=True)
    port = free_port()
    guide = (REPO / "docs/nginx-sanwu.conf").read_text(encoding="utf-8")
    site = (
        guide.replace("listen 80;", f"listen 127.0.0.1:{port};")
        .replace("/srv/sanwu/output/", f"{project}/output/")
        .replace("/etc/nginx/", f"{tmp}/")
    )
    (tmp / "sanwu.conf").write_text(site, encoding="utf-8")
    temp = tmp / "temp"
    temp.mkdir()
    (tmp / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {temp};\n  proxy_temp_path {temp};\n"
        f"  fastcgi_temp_path {temp};\n  uwsgi_temp_path {temp};\n  scgi_temp_path {temp};\n"
        f"  include /etc/nginx/mime.types;\n  include {tmp}/sanwu.conf;\n}}\n",
        encoding="utf-8",
    )
    proc = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"])
    base = f"http://127.0.0.1:{port}"
    try:
        while True:  # wait until nginx listens
            assert proc.poll() is None, (tmp / "error.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def get(url: str, password: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url)
    if password:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"shequ:{password}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def test_public_site_is_served_under_its_sub_path(server: str) -> None:
    status, page = get(f"{server}/sanwu/")
    assert status == 200 and "关于冬季消防安全的通知" in page and "党内通报庚辛壬" not in page
    status, page = get(f"{server}/sanwu/r/notice.html")
    assert status == 200 and 'href="../static/site.css"' in page  # relative links work under /sanwu/
    assert get(f"{server}/sanwu/static/site.css")[0] == 200


def test_missing_pages_get_the_sites_404_page(server: str) -> None:
    status, page = get(f"{server}/sanwu/no/such/page.html")
    assert status == 404 and "页面不存在" in page
    # at any depth it keeps its style and its links lead into the site
    links = re.findall(r'(?:href|src)="([^"#]+)"', page)
    assert "/sanwu/static/site.css" in links and "/sanwu/index.html" in links
    assert all(get(server + link)[0] == 200 for link in links if link.startswith("/")), links


def test_party_and_committee_need_the_password(server: str) -> None:
    assert get(f"{server}/sanwu/party/")[0] == 401
    assert get(f"{server}/sanwu/party/", "wrong")[0] == 401
    assert get(f"{server}/sanwu/party/data/notice.json")[0] == 401
    status, page = get(f"{server}/sanwu/party/", "dangyuan")
    assert status == 200 and "党内通报庚辛壬" in page
    assert get(f"{server}/sanwu/committee/", "dangyuan")[0] == 401  # each build has its own password
    assert get(f"{server}/sanwu/committee/", "liangwei")[0] == 200
