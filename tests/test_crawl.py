"""Discovery routes, traps and budgets on a local site (issue 11)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from click.testing import CliRunner

from cli import main
from crawler.archive.database import open_store
from tests.conftest import FAST, write_sources
from tests.localservers import Page, SiteServer


def article(title: str) -> Page:
    body = "".join(f"<p>{title}. Đây là đoạn văn số {i} của bài viết, đủ dài để được coi là "
                   f"nội dung thật của một bài báo về hoạt động của tỉnh.</p>" for i in range(4))
    return Page(f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
                f"<div class='date'>12/03/2024 08:00</div><div class='content'>{body}</div>"
                "</body></html>")


def link(path: str, text: str) -> str:
    return f"<li><a href='{path}'>{text} của tỉnh trong năm nay</a></li>"


def site_routes() -> dict[str, Page]:
    routes: dict[str, Page] = {
        "/robots.txt": Page("User-agent: *\nDisallow: /noi-bo/\nSitemap: /sitemap.xml\n",
                            content_type="text/plain"),
        "/": Page("<html><head><link rel='alternate' type='application/rss+xml' "
                  "href='/rss/home.rss'></head><body><ul>"
                  + link("/tin/bai-tren-danh-muc-trang-mot-100001.html", "Bài trên danh mục")
                  + link("/lich/2024/05/", "Lịch làm việc tháng 5")
                  + link("/tim-kiem?q=chuyen+doi+so", "Tìm kiếm chuyển đổi số")
                  + "</ul><a href='/?page=2'>Trang sau</a></body></html>"),
        "/?page=2": Page("<html><body><ul>"
                         + link("/tin/bai-tren-danh-muc-trang-hai-100002.html", "Bài trang hai")
                         + link("/noi-bo/bao-cao-mat-100009.html", "Báo cáo nội bộ")
                         + "</ul><a href='/?page=3'>Trang sau</a></body></html>"),
        "/rss/home.rss": Page(
            "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>T</title>"
            "<item><title>Chỉ có trong feed</title>"
            "<link>/tin/bai-chi-co-trong-feed-100003.html</link></item></channel></rss>",
            content_type="application/rss+xml"),
        "/sitemap.xml": Page(
            "<?xml version='1.0' encoding='UTF-8'?><sitemapindex "
            "xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            "<sitemap><loc>/sitemap-news.xml</loc></sitemap>"
            "<sitemap><loc>/sitemap-2023.xml.gz</loc></sitemap></sitemapindex>",
            content_type="application/xml"),
        "/sitemap-news.xml": Page(
            "<?xml version='1.0' encoding='UTF-8'?><urlset "
            "xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            "<url><loc>/tin/bai-chi-co-trong-sitemap-100004.html</loc></url></urlset>",
            content_type="application/xml"),
    }
    routes["/sitemap-2023.xml.gz"] = Page(gzip.compress(
        b"<?xml version='1.0' encoding='UTF-8'?><urlset "
        b"xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        b"<url><loc>/tin/bai-trong-sitemap-nen-gzip-100005.html</loc></url></urlset>"),
        content_type="application/gzip")
    for n, title in [(1, "Bài trên danh mục"), (2, "Bài trang hai"), (3, "Bài chỉ có trong feed"),
                     (4, "Bài chỉ có trong sitemap"), (5, "Bài trong sitemap nén gzip")]:
        slug = {1: "bai-tren-danh-muc-trang-mot", 2: "bai-tren-danh-muc-trang-hai",
                3: "bai-chi-co-trong-feed", 4: "bai-chi-co-trong-sitemap",
                5: "bai-trong-sitemap-nen-gzip"}[n]
        routes[f"/tin/{slug}-10000{n}.html"] = article(title)
    routes["/noi-bo/bao-cao-mat-100009.html"] = article("Báo cáo nội bộ")
    # an endless pagination trap: every page links to the next one
    for page in range(3, 60):
        routes[f"/?page={page}"] = Page(f"<html><body><a href='/?page={page + 1}'>Trang sau</a>"
                                        "</body></html>")
    return routes


def crawl(tmp_path: Path, site: SiteServer, *settings: str, **extra: object
          ) -> tuple[str, dict]:
    sources = write_sources(tmp_path / "s.toml", [
        {"id": "tinh", "name": "Tỉnh", "province": "Huế", "url": f"{site.base}/", **extra}])
    db = tmp_path / "p.db"
    result = CliRunner().invoke(main, ["--db", str(db), *FAST, *settings, "crawl", "--sources",
                                       str(sources)])
    assert result.exit_code == 0, result.output
    run = open_store(db).runs()[0]
    return result.output, json.loads(run["sources"])["tinh"]


def test_every_discovery_route_finds_its_article_and_traps_are_cut(tmp_path: Path) -> None:
    site = SiteServer(site_routes()).start()
    try:
        output, figures = crawl(tmp_path, site)
        store = open_store(tmp_path / "p.db")
        titles = {r["title"] for r in store.iter_articles()}
        assert titles == {"Bài trên danh mục", "Bài trang hai", "Bài chỉ có trong feed",
                          "Bài chỉ có trong sitemap", "Bài trong sitemap nén gzip"}
        paths = site.paths()
        assert not any(p.startswith("/noi-bo/") for p in paths)  # robots.txt obeyed
        assert not any(p.startswith(("/lich/", "/tim-kiem")) for p in paths)  # traps never fetched
        assert max(int(p.split("=")[1]) for p in paths if p.startswith("/?page=")) <= 3
        assert figures["pagination_cut"] == 1 and figures["feed_entries"] == 1
        assert figures["sitemap_entries"] == 2 and figures["robots_forbidden"] == 1
        assert "pagination_cut=1" in output
    finally:
        site.stop()


def test_page_budget_cuts_and_says_so(tmp_path: Path) -> None:
    site = SiteServer(site_routes()).start()
    try:
        output, figures = crawl(tmp_path, site, page_budget=4)
        assert figures["requests"] == 4 and figures["budget_cut"] >= 1
        assert "budget_cut=" in output
    finally:
        site.stop()


def test_unchanged_rerun_downloads_no_article_body(tmp_path: Path) -> None:
    site = SiteServer(site_routes()).start()
    try:
        crawl(tmp_path, site)
        before = len(site.requests)
        _, figures = crawl(tmp_path, site)
        again = site.requests[before:]
        articles = [(p, h) for _, p, h in again if p.startswith("/tin/")]
        assert articles and all("If-None-Match" in h for _, h in articles)
        assert figures["not_modified"] == len(articles) == 5
        assert figures.get("new", 0) == 0 and figures.get("articles_fetched", 0) == 0
    finally:
        site.stop()


def test_validators_do_not_follow_a_redirect_to_another_address(tmp_path: Path) -> None:
    # a known article now redirects to the home page, and the home page answers any
    # conditional GET with 304 (a static server comparing dates): that 304 is not the
    # article's, so the validators must not be sent there
    site = SiteServer(site_routes()).start()
    moved = "/tin/bai-tren-danh-muc-trang-mot-100001.html"
    try:
        crawl(tmp_path, site)
        site.routes[moved] = Page("", status=302, headers={"Location": "/trang-chu-moi"})
        site.routes["/trang-chu-moi"] = lambda handler: Page("", status=304) if (
            handler.headers.get("If-Modified-Since") or handler.headers.get("If-None-Match")
        ) else Page("<html><body><p>Trang chủ</p></body></html>")
        before = len(site.requests)
        _, figures = crawl(tmp_path, site)
        home = [h for _, p, h in site.requests[before:] if p == "/trang-chu-moi"]
        assert home and not any("If-None-Match" in h or "If-Modified-Since" in h
                                for h in home)
        assert figures["not_modified"] == 4, figures  # the four articles still in place
    finally:
        site.stop()


def test_a_start_page_redirected_to_another_host_moves_the_source(tmp_path: Path) -> None:
    # a portal that moved domain: the configured address redirects to the new host, whose
    # links would all be off-site if judged against the configured one
    new_site = SiteServer(site_routes()).start()
    new_base = new_site.base.replace("127.0.0.1", "localhost")
    old_site = SiteServer({"/": Page("", status=301, headers={"Location": f"{new_base}/"}),
                           "/robots.txt": Page("", status=404)}).start()
    try:
        _, figures = crawl(tmp_path, old_site)
        assert figures["moved_host"] == 1
        # listing pages, feed, robots.txt sitemaps (gzip too) of the new host: all five
        assert figures["articles_fetched"] == 5, figures
        assert figures["listing_pages"] >= 2 and figures["sitemap_entries"] == 2, figures
    finally:
        old_site.stop()
        new_site.stop()


def test_robots_txt_is_fetched_once_and_its_sitemaps_read(tmp_path: Path) -> None:
    site = SiteServer(site_routes()).start()
    try:
        crawl(tmp_path, site)
        assert site.paths().count("/robots.txt") == 1
        assert "/sitemap-news.xml" in site.paths()
    finally:
        site.stop()


def test_rerun_outside_recheck_window_stops_at_the_first_known_listing(tmp_path: Path) -> None:
    site = SiteServer(site_routes()).start()
    try:
        crawl(tmp_path, site)
        before = len(site.requests)
        _, figures = crawl(tmp_path, site, "-s", "PROVWATCH_RECHECK_DAYS=0")
        again = [p for _, p, _ in site.requests[before:]]
        assert not any(p.startswith("/tin/") for p in again)   # no article requested at all
        assert "/?page=2" not in again                           # page 1 was all known
        assert figures["pagination_stopped_known"] == 1
        assert figures["known_skipped"] == 4 and figures.get("budget_cut", 0) == 0
        assert figures["requests"] == len(again) - 1             # robots.txt is Scrapy's own
    finally:
        site.stop()


def test_tracking_and_print_variants_are_fetched_and_stored_once(tmp_path: Path) -> None:
    path = "/tin/bai-co-nhieu-dia-chi-khac-nhau-200001.html"
    routes = {
        "/robots.txt": Page("User-agent: *\n", content_type="text/plain"),
        "/": Page("<html><body><ul>"
                  + link(path + "?utm_source=zalo&zarsrc=30", "Bài có nhiều địa chỉ")
                  + link(path + "#binh-luan", "Bài có nhiều địa chỉ, bình luận")
                  + link(path + "?print=1", "Bài có nhiều địa chỉ, bản in")
                  + "</ul></body></html>"),
        "/rss.xml": Page("<?xml version='1.0'?><rss version='2.0'><channel><item><link>"
                         f"{path}?fbclid=abc</link></item></channel></rss>",
                         content_type="application/rss+xml"),
        path: article("Bài có nhiều địa chỉ"),
    }
    site = SiteServer(routes).start()
    try:
        _, figures = crawl(tmp_path, site, feeds=[f"{site.base}/rss.xml"])
        assert [p for p in site.paths() if p.startswith("/tin/")] == [path]
        assert open_store(tmp_path / "p.db").count("articles") == 1
        assert figures["duplicate_links"] == 1  # the feed's; one page's links are merged
    finally:
        site.stop()


def test_link_rel_canonical_merges_aliases_in_head_or_body(tmp_path: Path) -> None:
    # three addresses no URL rule can merge (a category parameter, a print path); the page
    # names its canonical address in <head> on one alias, inside <body> on another
    canonical = "/tin/bai-co-dia-chi-chinh-thuc-300001.html"
    aliases = [canonical + "?cat=5", "/ban-in/bai-co-dia-chi-chinh-thuc-300001.html"]

    def page(where: str) -> Page:
        tag = f"<link rel='Canonical' href='{canonical}'>"
        html = str(article("Bài có địa chỉ chính thức").body)
        return Page(html.replace("<head>", "<head>" + tag) if where == "head"
                    else html.replace("<body>", "<body>" + tag))

    routes = {
        "/robots.txt": Page("User-agent: *\n", content_type="text/plain"),
        "/": Page("<html><body><ul>" + "".join(
            link(path, f"Bài có địa chỉ chính thức {n}") for n, path in enumerate(aliases))
            + "</ul></body></html>"),
        aliases[0]: page("head"),
        aliases[1]: page("body"),
    }
    site = SiteServer(routes).start()
    try:
        _, figures = crawl(tmp_path, site)
        assert figures["articles_fetched"] == 2
        rows = list(open_store(tmp_path / "p.db").db["articles"].rows)
        assert [r["url"] for r in rows] == [site.base + canonical]
        assert figures.get("duplicates", 0) == 0
    finally:
        site.stop()


def test_retries_wait_before_asking_again(tmp_path: Path) -> None:
    import time

    path = "/tin/bai-tren-may-chu-dang-qua-tai-300001.html"
    stamps: list[float] = []

    def flaky(handler: object) -> Page:
        stamps.append(time.monotonic())
        return article("Bài trên máy chủ quá tải") if len(stamps) > 1 else \
            Page("busy", status=503, content_type="text/plain")

    routes = {"/robots.txt": Page("User-agent: *\n", content_type="text/plain"),
              "/": Page("<html><body><ul>" + link(path, "Bài trên máy chủ quá tải")
                        + "</ul></body></html>"),
              path: flaky}
    site = SiteServer(routes).start()
    try:
        crawl(tmp_path, site, "-s", "RETRY_TIMES=1", "-s", "PROVWATCH_RETRY_BACKOFF=0.6")
        assert len(stamps) == 2 and stamps[1] - stamps[0] >= 0.6
        assert open_store(tmp_path / "p.db").count("articles") == 1
    finally:
        site.stop()
