"""No requests into private networks, no remote-control server, bounded single fetches
(issue 18 items 2, 4 and 9).

Every server here listens on a loopback address (127.0.0.1, 127.0.0.2, ::1). Requests that
must be refused are aimed at loopback servers that record what reaches them, and the crawl
and the single fetches run with ``http_proxy`` pointing at a recording loopback "proxy"
(loopback addresses bypass it): should the guard ever let ``169.254.169.254`` through, the
request lands in that proxy instead of leaving the machine, and the test fails on it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from crawler.archive.database import open_store
from crawler.core.addresses import loggable, non_public_reason, usable_addresses
from tests.conftest import FAST, write_sources
from tests.localservers import LoopbackServer, Page, QuietHandler, SiteServer

METADATA = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"


# -- the address classifier ---------------------------------------------------------------
@pytest.mark.parametrize(("address", "reason"), [
    ("127.0.0.1", "loopback"), ("127.9.9.9", "loopback"), ("::1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("172.31.255.254", "private"),
    ("192.168.1.1", "private"), ("fc00::1", "private"), ("fd12:3456::1", "private"),
    ("169.254.169.254", "link-local"), ("169.254.0.1", "link-local"),
    ("fe80::1", "link-local"), ("fe80::1%eth0", "link-local"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("100.64.0.1", "shared (CGNAT)"), ("100.127.255.254", "shared (CGNAT)"),
    ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"), ("ff02::1", "multicast"),
    ("240.0.0.1", "private"), ("255.255.255.255", "private"),   # reserved, "private" in 3.11
    ("192.0.2.10", "private"), ("198.18.0.1", "private"),        # documentation, benchmarking
    ("2001:db8::1", "private"), ("fec0::1", "site-local"),
    # IPv6 forms of an IPv4 address are judged by the IPv4 address
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:169.254.169.254", "link-local"),
    ("::ffff:10.0.0.1", "private"), ("64:ff9b::a9fe:a9fe", "link-local"),
    ("2002:7f00:1::1", "loopback"), ("::7f00:1", "loopback"),
])
def test_non_public_addresses_are_named(address: str, reason: str) -> None:
    assert non_public_reason(address) == reason


@pytest.mark.parametrize("address", ["8.8.8.8", "203.162.4.191", "100.63.255.255",
                                     "100.128.0.1", "172.32.0.1", "2001:4860:4860::8888",
                                     "::ffff:8.8.8.8", "2002:808:808::1"])
def test_public_addresses_pass(address: str) -> None:
    assert non_public_reason(address) is None


def test_the_rule_allows_the_start_hosts_own_addresses_only() -> None:
    assert usable_addresses(["127.0.0.1"], allowed={"127.0.0.1"}) == (["127.0.0.1"], None)
    assert usable_addresses(["127.0.0.2"], allowed={"127.0.0.1"}) == \
        ([], ("127.0.0.2", "loopback"))
    assert usable_addresses(["169.254.169.254"], allow_private=True)[0] == ["169.254.169.254"]
    # a name answering with a public and a private address: only the public one is used
    assert usable_addresses(["10.0.0.1", "8.8.8.8"]) == (["8.8.8.8"], ("10.0.0.1", "private"))


def test_logged_urls_carry_no_credentials_or_query() -> None:
    assert loggable("http://admin:s3cret@10.0.0.1:8080/a/b?token=abc#x") == \
        "http://10.0.0.1:8080/a/b?…"


# -- local servers on other loopback addresses ---------------------------------------------
class _V6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class LoopbackSite(SiteServer):
    """A SiteServer on another loopback address (127.0.0.2, ::1): a 'private host' that
    is not the source's own, so nothing must reach it."""

    def __init__(self, host: str, routes: dict[str, Page] | None = None) -> None:
        self.host = host
        super().__init__(routes)

    def serve(self, handler: type[BaseHTTPRequestHandler],
              tls: tuple[str, str] | None = None) -> None:
        server_class = _V6Server if ":" in self.host else ThreadingHTTPServer
        self.httpd = server_class((self.host, 0), handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[SiteServer]:
    """A recording 'proxy' on 127.0.0.1 for every non-loopback destination (env http_proxy,
    inherited by the crawl process): a request that escapes the guard ends here."""
    server = SiteServer().start()
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{server.port}")
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,127.0.0.2,localhost,::1")
    yield server
    server.stop()


@pytest.fixture
def elsewhere() -> Iterator[tuple[LoopbackSite, LoopbackSite]]:
    """Sites on 127.0.0.2 and [::1] serving a 'private' page that must never be stored."""
    secret = article("Tài liệu nội bộ không được lưu", "mat-khau-quan-tri")
    sites = (LoopbackSite("127.0.0.2", {"/noi-bo": secret, "/robots.txt": Page("")}).start(),
             LoopbackSite("::1", {"/noi-bo": secret, "/robots.txt": Page("")}).start())
    yield sites
    for site in sites:
        site.stop()


def article(title: str, word: str = "") -> Page:
    body = "".join(f"<p>{title} {word}. Đây là đoạn văn số {i} của bài viết, đủ dài để được "
                   f"coi là nội dung thật của một bài báo về hoạt động của tỉnh.</p>"
                   for i in range(4))
    return Page(f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
                f"<div class='date'>12/03/2024 08:00</div><div class='content'>{body}</div>"
                "</body></html>")


def listing(paths: list[str]) -> Page:
    items = "".join(f"<li><a href='{p}'>Bài viết số {n} về hoạt động của tỉnh trong năm nay"
                    f"</a></li>" for n, p in enumerate(paths))
    return Page(f"<html><body><ul>{items}</ul></body></html>")


def redirect(to: str) -> Page:
    return Page("", status=302, headers={"Location": to})


def crawl(tmp_path: Path, url: str, *settings: str, **extra: object) -> tuple[str, dict]:
    sources = write_sources(tmp_path / "s.toml", [
        {"id": "tinh", "name": "Tỉnh", "province": "Huế", "url": url, **extra}])
    db = tmp_path / "p.db"
    result = CliRunner().invoke(main, ["--db", str(db), *FAST, *settings, "crawl",
                                       "--sources", str(sources)])
    assert result.exit_code == 0, result.output
    return result.output, json.loads(open_store(db).runs()[0]["sources"])["tinh"]


def stored_titles(tmp_path: Path) -> set[str]:
    return {r["title"] for r in open_store(tmp_path / "p.db").iter_articles()}


# -- the crawl -----------------------------------------------------------------------------
def test_redirects_into_private_networks_are_refused_and_not_stored(
        tmp_path: Path, proxy: SiteServer, elsewhere: tuple[LoopbackSite, LoopbackSite]
) -> None:
    v4, v6 = elsewhere
    site = SiteServer({"/robots.txt": Page("User-agent: *\n", content_type="text/plain")})
    site.start()
    paths = [f"/tin/bai-{n}-10000{n}.html" for n in range(1, 7)]
    site.routes.update({
        "/": listing(paths),
        paths[0]: redirect(METADATA),                                   # cloud metadata
        paths[1]: redirect(f"{v4.base}/noi-bo"),                        # another loopback IP
        paths[2]: redirect(f"{v6.base}/noi-bo"),                        # IPv6 loopback
        paths[3]: redirect("http://0.0.0.0:9/"),                        # "this host"
        # another name of the source's own address is the source's own host: followed
        paths[4]: redirect(f"http://localhost:{site.port}/tin/bai-cung-may-chu-200001.html"),
        "/tin/bai-cung-may-chu-200001.html": article("Bài trên cùng máy chủ"),
        paths[5]: article("Bài bình thường"),
    })
    started = time.monotonic()
    try:
        _, figures = crawl(tmp_path, f"{site.base}/")
    finally:
        site.stop()
    assert figures["errors/refused_private"] == 4, figures
    assert stored_titles(tmp_path) == {"Bài trên cùng máy chủ", "Bài bình thường"}
    assert not open_store(tmp_path / "p.db").search("mat khau quan tri")
    # nothing reached the other private hosts, and nothing went out (the proxy takes every
    # non-loopback request): 169.254.169.254 was refused before any connection
    assert v4.requests == [] and v6.requests == [] and proxy.requests == []
    assert time.monotonic() - started < 30


def test_a_host_name_is_judged_by_the_address_it_resolves_to(
        tmp_path: Path, proxy: SiteServer) -> None:
    # a source on 127.0.0.2 whose article redirects to "localhost" (127.0.0.1): a name, not
    # an IP literal, resolving to a private address that is not the source's own
    target = SiteServer({"/noi-bo": article("Trang quản trị nội bộ")}).start()
    site = LoopbackSite("127.0.0.2", {
        "/robots.txt": Page("User-agent: *\n", content_type="text/plain"),
        "/": listing(["/tin/bai-chuyen-huong-300001.html"]),
        "/tin/bai-chuyen-huong-300001.html": redirect(f"http://localhost:{target.port}/noi-bo"),
    }).start()
    try:
        _, figures = crawl(tmp_path, f"{site.base}/")
    finally:
        site.stop()
        target.stop()
    assert figures["errors/refused_private"] == 1, figures
    assert target.requests == [] and proxy.requests == []
    assert stored_titles(tmp_path) == set()


@pytest.mark.parametrize("how", ["source key", "setting"])
def test_allow_private_lets_a_source_reach_other_private_hosts(
        tmp_path: Path, proxy: SiteServer, elsewhere: tuple[LoopbackSite, LoopbackSite],
        how: str) -> None:
    v4, _ = elsewhere
    v4.routes["/noi-bo"] = article("Bài trên máy chủ nội bộ thứ hai")
    site = SiteServer({"/robots.txt": Page("User-agent: *\n", content_type="text/plain"),
                       "/": listing(["/tin/bai-chuyen-huong-400001.html"]),
                       "/tin/bai-chuyen-huong-400001.html": redirect(f"{v4.base}/noi-bo")})
    site.start()
    try:
        if how == "source key":  # allow_private = true on this source only
            _, figures = crawl(tmp_path, f"{site.base}/", allow_private=True)
        else:                    # or for every source of the crawl
            _, figures = crawl(tmp_path, f"{site.base}/", "-s", "PROVWATCH_ALLOW_PRIVATE=true")
    finally:
        site.stop()
    assert "errors/refused_private" not in figures
    assert stored_titles(tmp_path) == {"Bài trên máy chủ nội bộ thứ hai"}
    assert "/noi-bo" in v4.paths() and proxy.requests == []


def test_allow_private_must_be_true_or_false(tmp_path: Path) -> None:
    sources = write_sources(tmp_path / "s.toml", [
        {"id": "tinh", "name": "Tỉnh", "url": "http://127.0.0.1:9/", "allow_private": "yes"}])
    result = CliRunner().invoke(main, ["sources", "list", "--sources", str(sources)])
    assert result.exit_code == 1
    assert "sources[0] (id='tinh'): key 'allow_private' must be true or false" in result.output


def test_the_checked_address_is_the_one_connected_to() -> None:
    # the downloader's own lookup of a pinned name gets the checked address, not a second
    # DNS answer (".invalid" never resolves, so an answer can only come from the pin); in a
    # separate process, as the crawl's reactor is
    code = ("from twisted.internet import reactor\n"
            "from crawler.crawl.netguard import PINNED, PinnedResolver\n"
            "PINNED['portal.invalid'] = '203.0.113.7'\n"
            "out = []\n"
            "PinnedResolver(reactor, 100, 5.0).getHostByName('portal.invalid')"
            ".addCallback(out.append)\n"
            "print(out)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).parent.parent)
    assert done.stdout.strip() == "['203.0.113.7']", done.stderr


# -- recrawl and extract -------------------------------------------------------------------
@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/pub/a.html",
                                 "gopher://127.0.0.1:70/_GET", "data:text/html,<p>x</p>",
                                 "http:///no-host"])
def test_recrawl_refuses_other_schemes(tmp_path: Path, url: str) -> None:
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "p.db"), "recrawl", url])
    assert result.exit_code == 2, result.output
    assert "is not an http(s) URL" in result.output
    assert not (tmp_path / "p.db").exists()  # refused before anything was opened


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/pub/a.html",
                                 "gopher://127.0.0.1:70/_GET", "data:text/html,<p>x</p>"])
def test_extract_refuses_other_schemes(url: str) -> None:
    result = CliRunner().invoke(main, ["extract", url, "--json"])
    assert result.exit_code == 2, result.output
    assert "give an http(s) URL or a local file" in result.output


def test_extract_reads_an_explicit_local_file(tmp_path: Path) -> None:
    page = tmp_path / "bai.html"
    page.write_text(str(article("Bài lưu trên đĩa").body), encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", str(page), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["title"] == "Bài lưu trên đĩa"


@pytest.mark.parametrize("where", ["metadata", "127.0.0.2", "::1"])
def test_extract_refuses_a_redirect_into_a_private_network(
        where: str, proxy: SiteServer, elsewhere: tuple[LoopbackSite, LoopbackSite]) -> None:
    v4, v6 = elsewhere
    target = {"metadata": METADATA, "127.0.0.2": f"{v4.base}/noi-bo",
              "::1": f"{v6.base}/noi-bo"}[where]
    site = SiteServer({"/bai.html": redirect(target)}).start()
    try:
        result = CliRunner().invoke(main, ["extract", f"{site.base}/bai.html", "--json"])
    finally:
        site.stop()
    assert result.exit_code == 1, result.output
    assert "refused" in result.output and "not a public one" in result.output
    assert v4.requests == [] and v6.requests == [] and proxy.requests == []


def test_extract_of_a_private_url_itself_stays_allowed(proxy: SiteServer) -> None:
    # the operator named the address: its own host may be private (a local test site)
    site = SiteServer({"/bai.html": redirect("/bai-moi.html"),
                       "/bai-moi.html": article("Bài trên máy cục bộ")}).start()
    try:
        result = CliRunner().invoke(main, ["extract", f"{site.base}/bai.html", "--json"])
    finally:
        site.stop()
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["url"].endswith("/bai-moi.html")


# -- a page that never finishes ------------------------------------------------------------
class TricklingServer(LoopbackServer):
    """Announces a 200-byte page and sends one byte every 0.2 s (40 s in all): each single
    wait is short, so only an overall deadline ends the fetch early."""

    def __init__(self) -> None:
        class Handler(QuietHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", "200")
                self.end_headers()
                try:
                    for _ in range(200):
                        self.wfile.write(b"<")
                        self.wfile.flush()
                        time.sleep(0.2)
                except OSError:
                    pass  # the client gave up

        self.serve(Handler)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def slow() -> Iterator[TricklingServer]:
    server = TricklingServer().start()
    yield server
    server.stop()


def test_extract_gives_up_on_a_page_that_never_finishes(slow: TricklingServer) -> None:
    started = time.monotonic()
    result = CliRunner().invoke(main, ["-s", "PROVWATCH_FETCH_TIMEOUT=1.5", "extract",
                                       f"{slow.base}/bai.html", "--json"])
    elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert "no complete answer within 1.5 s (PROVWATCH_FETCH_TIMEOUT)" in result.output
    assert elapsed < 5, elapsed


def test_sources_check_gives_up_on_a_start_page_that_never_finishes(
        tmp_path: Path, slow: TricklingServer) -> None:
    sources = write_sources(tmp_path / "s.toml", [
        {"id": "cham", "name": "Chậm", "province": "Huế", "url": f"{slow.base}/"}])
    started = time.monotonic()
    result = CliRunner().invoke(main, ["-s", "PROVWATCH_FETCH_TIMEOUT=1.5", "sources",
                                       "check", "--sources", str(sources)])
    elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert "FAILED:" in result.output and "PROVWATCH_FETCH_TIMEOUT" in result.output
    assert elapsed < 5, elapsed


# -- no remote-control server --------------------------------------------------------------
def _descendants() -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [os.getpid()]
    while frontier:
        pid = frontier.pop()
        children = [p for p, ppid in parents.items() if ppid == pid]
        found += children
        frontier += children
    return found


def _listening_ports(pids: list[int]) -> set[int]:
    """TCP ports in LISTEN state held by these processes (from /proc)."""
    inodes: set[str] = set()
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    ports: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if cols[3] == "0A" and cols[9] in inodes:
                ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return ports


def test_a_crawl_opens_no_remote_control_server_and_leaves_no_token_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from crawler.run.runner import CrawlConfig, build_settings

    settings = build_settings(CrawlConfig(db=str(tmp_path / "p.db"), run_id=0))
    assert not settings.getbool("REMOTE_CONTROL_ENABLED")
    assert not settings.getbool("TELNETCONSOLE_ENABLED")
    # Scrapy writes the job file (port and bearer token) under the user's state directory
    state = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    path = "/tin/bai-tren-may-chu-cham-500001.html"
    site = SiteServer({"/robots.txt": Page("User-agent: *\n", content_type="text/plain"),
                       "/": listing([path]),
                       path: Page(article("Bài trên máy chủ chậm").body, delay=3.0)}).start()
    seen_files: set[str] = set()
    seen_ports: set[int] = set()
    runner = threading.Thread(target=crawl, args=(tmp_path, f"{site.base}/"))
    try:
        runner.start()
        while runner.is_alive():  # look while the crawl runs: a clean stop removes the file
            seen_files |= {str(p) for p in state.rglob("*") if p.is_file()}
            seen_ports |= _listening_ports(_descendants())
            time.sleep(0.1)
        runner.join()
    finally:
        site.stop()
    assert stored_titles(tmp_path) == {"Bài trên máy chủ chậm"}  # the crawl did run
    assert seen_files == set() and not any(state.rglob("*"))
    assert seen_ports == set()


def test_an_unusable_fetch_timeout_is_named() -> None:
    result = CliRunner().invoke(main, ["-s", "PROVWATCH_FETCH_TIMEOUT=soon", "extract",
                                       "http://127.0.0.1:9/bai.html"])
    assert result.exit_code == 2, result.output
    assert "PROVWATCH_FETCH_TIMEOUT must be a number of seconds" in result.output


def test_plain_scrapy_refuses_a_file_url(tmp_path: Path) -> None:
    # the spider also runs under plain Scrapy, past the CLI's own check of recrawl URLs
    secret = tmp_path / "bi-mat.html"
    secret.write_bytes(str(article("Tệp bí mật trên đĩa").body).encode("utf-8"))
    db = tmp_path / "p.db"
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "provwatch", "-a",
         f"urls={secret.as_uri()}", "-s", f"PROVWATCH_DB={db}", "-s", "PROVWATCH_WORKERS=0",
         "-s", "LOG_LEVEL=WARNING"],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr
    store = open_store(db)
    assert store.count("articles") == 0
    figures = json.loads(store.runs()[0]["sources"])
    assert figures == {"adhoc": {"errors/refused_scheme": 1}}, figures
