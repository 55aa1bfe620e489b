"""Section pages are followed, never stored; a home page leads to its sections (issue 17).

Two local sites: ``tests/sites/newsportal`` (a home page whose menu leads to three news
sections, one of them paginated) and a portal whose sitemap lists its section pages (the
shapes of ``tests/sites/pagetype``: Liferay, NukeViet, WordPress, ASP.NET) beside its
articles. And a database written before pages were judged, holding a listing row.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from parsel import Selector

from cli import main
from crawler.analysis.links import article_links
from crawler.archive.database import open_store
from crawler.core.text import fold
from crawler.core.urls import canonical_url
from store.schema import MIGRATIONS
from tests.conftest import FAST, SITES, write_sources
from tests.localservers import Page, SiteServer

PORTAL = SITES / "newsportal"
SHAPES = SITES / "pagetype"
WORDS = ("tỉnh triển khai kế hoạch chuyển đổi số chính quyền kinh tế xã hội nông dân hợp tác "
         "xã sản phẩm du lịch hạ tầng giao thông trường học bệnh viện thanh niên hội nghị "
         "doanh nghiệp đầu tư khu công nghiệp việc làm mùa vụ lúa cây ăn quả lễ hội văn hóa "
         "thể thao dữ liệu nền tảng dịch vụ công trực tuyến người dân cán bộ xã phường").split()


def body(seed: int, title: str) -> str:
    """Four paragraphs of distinct text (no two articles are near-duplicates)."""
    rng = random.Random(seed)
    return "".join(
        f"<p>{title}. " + " ".join(rng.choice(WORDS) for _ in range(45)).capitalize() + ".</p>"
        for _ in range(4))


def article_page(seed: int, title: str, section: str, section_path: str,
                 related: list[tuple[str, str]]) -> Page:
    template = (PORTAL / "article.html").read_text("utf-8")
    return Page(template.format(
        title=title, section=section, section_path=section_path,
        date=f"{1 + seed % 28:02d}/03/2024", body=body(seed, title),
        related="".join(f"<li><a href='{p}'>{t}</a></li>" for p, t in related)))


# -- (b) a home page, a menu to three sections, an article only on page 2 of one -----------
SECTIONS: dict[str, tuple[str, list[str]]] = {
    "/tin-tuc/": ("Tin tức", [
        "Tỉnh tổ chức hội nghị tổng kết công tác năm 2023",
        "Trao quà Tết cho hộ nghèo ở các xã vùng cao",
        "Khánh thành cầu dân sinh bắc qua suối Nậm Mu",
        "Ra quân hưởng ứng Tháng Thanh niên năm 2024"]),
    "/kinh-te/": ("Kinh tế", [
        "Thu hút thêm ba dự án đầu tư vào khu công nghiệp",
        "Hợp tác xã chè mở gian hàng trên sàn thương mại điện tử",
        "Thu ngân sách quý I đạt gần ba mươi phần trăm dự toán",
        "Doanh nghiệp mới thành lập tăng mạnh hai tháng đầu năm",
        "Giải ngân vốn đầu tư công cần tăng tốc từ đầu năm",
        "Nông dân trồng cam theo tiêu chuẩn VietGAP có lãi cao",
        "Chợ phiên vùng cao dùng mã QR để thanh toán tiền hàng"]),  # page 2 only: the last two
    "/chuyen-doi-so/": ("Chuyển đổi số", [
        "Số hóa hồ sơ thủ tục hành chính tại cấp xã",
        "Tập huấn kỹ năng số cho tổ công nghệ số cộng đồng",
        "Bệnh viện tỉnh triển khai bệnh án điện tử toàn viện",
        "Trung tâm giám sát điều hành thông minh đi vào vận hành"]),
}
PER_PAGE = 5
HIDDEN = "Chợ phiên vùng cao dùng mã QR để thanh toán tiền hàng"


def slug(title: str) -> str:
    return "-".join(fold(title).lower().split())


def portal_articles() -> list[tuple[str, str, str, str]]:
    """(path, title, section name, section path) of every article of the news portal."""
    out = []
    for n, (path, (name, titles)) in enumerate(SECTIONS.items()):
        for k, title in enumerate(titles):
            out.append((f"{path}{slug(title)}-{10000 + 100 * n + k}.html", title, name, path))
    return out


def newsportal_routes() -> dict[str, Page]:
    articles = portal_articles()
    routes: dict[str, Page] = {
        "/robots.txt": Page("User-agent: *\nDisallow: /admin/\n", content_type="text/plain")}
    blocks = []
    section = (PORTAL / "section.html").read_text("utf-8")
    for path, (name, _) in SECTIONS.items():
        mine = [(p, t) for p, t, _, s in articles if s == path]
        blocks.append(
            f"<section class='home-block'><h2 class='block-title'><a href='{path}'>{name}</a>"
            "</h2><ul>" + "".join(f"<li><a href='{p}'>{t}</a></li>" for p, t in mine[:2])
            + f"</ul><a class='more' href='{path}'>Xem thêm</a></section>")
        pages = [mine[i:i + PER_PAGE] for i in range(0, len(mine), PER_PAGE)]
        for number, items in enumerate(pages, 1):
            address = path if number == 1 else f"{path}page/{number}/"
            pager = "".join(
                f"<a href='{path if i == 1 else f'{path}page/{i}/'}'>{i}</a> "
                for i in range(1, len(pages) + 1) if i != number)
            if number < len(pages):
                pager += f"<a href='{path}page/{number + 1}/'>Trang sau</a>"
            routes[address] = Page(section.format(name=name, path=path, pager=pager, items="".join(
                f"<div class='item'><h3><a href='{p}'>{t}</a></h3><span class='date'>"
                f"12/03/2024</span><p class='sapo'>Tóm tắt: {t.lower()}.</p></div>"
                for p, t in items)))
    routes["/"] = Page((PORTAL / "home.html").read_text("utf-8").replace(
        "{blocks}", "\n".join(blocks)))
    for seed, (path, title, name, section_path) in enumerate(articles):
        # related news: the other articles of the section's first page only
        related = [(p, t) for p, t, _, s in articles if s == section_path and p != path][:3]
        routes[path] = article_page(seed, title, name, section_path, related)
    for path in ("/gioi-thieu/", "/van-ban/", "/lien-he/"):
        routes[path] = Page("<html><body><p>Trang tĩnh</p></body></html>")
    return routes


def crawl(db: Path, sources: Path, *settings: str) -> dict[str, int]:
    result = CliRunner().invoke(main, ["--db", str(db), *FAST, *settings, "crawl",
                                       "--sources", str(sources)])
    assert result.exit_code == 0, result.output
    return dict(json.loads(open_store(db).runs()[0]["sources"])["tinh"])


def stored_titles(db: Path) -> set[str]:
    return {r["title"] for r in open_store(db).iter_articles()}


@pytest.fixture
def newsportal() -> SiteServer:
    server = SiteServer(newsportal_routes()).start()
    yield server  # type: ignore[misc]
    server.stop()


def test_a_home_page_leads_to_its_sections_and_their_second_pages(
        tmp_path: Path, newsportal: SiteServer) -> None:
    sources = write_sources(tmp_path / "s.toml", [
        {"id": "tinh", "name": "Báo Thử Nghiệm", "province": "Huế", "url": f"{newsportal.base}/"}])
    db = tmp_path / "p.db"
    figures = crawl(db, sources)
    every = {t for _, t, _, _ in portal_articles()}
    assert stored_titles(db) == every  # HIDDEN is linked from /kinh-te/page/2/ only
    assert HIDDEN in every
    paths = newsportal.paths()
    assert "/kinh-te/page/2/" in paths
    # menu items that are no news sections are not fetched
    assert not {"/gioi-thieu/", "/van-ban/", "/lien-he/"} & set(paths)
    assert figures["sections"] == 3 and figures.get("listing", 0) == 0
    cold = len(paths)

    # an unchanged night, every article inside the recheck window: one conditional GET each
    before = len(newsportal.requests)
    again = crawl(db, sources)
    second = newsportal.requests[before:]
    articles = [p for _, p, _ in second if p.endswith(".html")]
    assert again["not_modified"] == len(articles) == len(every)
    assert again.get("new", 0) == 0 and again.get("articles_fetched", 0) == 0
    # robots.txt, the home page, the three sections' first pages, one GET per article
    minimum = 1 + 1 + 3 + len(every)
    assert len(second) <= 1.1 * minimum, [p for _, p, _ in second]

    # an unchanged night outside the window: no article, no second page
    before = len(newsportal.requests)
    crawl(db, sources, "-s", "PROVWATCH_RECHECK_DAYS=0")
    third = [p for _, p, _ in newsportal.requests[before:]]
    assert sorted(third) == sorted(["/robots.txt", "/", *SECTIONS]), third
    print(f"\nnewsportal: cold {cold} requests; unchanged, all in the recheck window "
          f"{len(second)} (minimum {minimum}); unchanged, none in it {len(third)} (minimum 5)")


# -- (a) a sitemap that lists section pages beside articles ------------------------------
SHAPE_PAGES = {  # where each listing shape is served, as its sitemap lists it
    "liferay_category": "/web/portal/kinh-te",
    "nukeviet_category": "/news/chuyen-doi-so/",
    "wordpress_category": "/category/chuyen-doi-so/",
    "aspnet_catid": "/TinTuc.aspx?CatID=3",
}
SECOND_PAGES = ["/web/portal/kinh-te?p_p_id=101_INSTANCE_Kt7Qw&_101_INSTANCE_Kt7Qw_cur=2",
                "/news/chuyen-doi-so/page-2", "/category/chuyen-doi-so/page/2/",
                "/TinTuc.aspx?CatID=3&page=2"]
SITEMAP_ARTICLES = {  # articles the sitemap lists (beside the sections)
    "/tin/bai-chi-co-trong-so-do-trang-300001.html": "Bài chỉ có trong sơ đồ trang của cổng",
    "/tin/hoi-nghi-chuyen-doi-so-cap-tinh-300002.html": "Hội nghị chuyển đổi số cấp tỉnh",
}
START_ARTICLES = {  # the start page (a listing, not the home page) links these
    "/tin/tin-moi-tren-trang-bat-dau-300003.html": "Tin mới trên trang bắt đầu của cổng",
}


def sitemap_portal(base: str) -> tuple[dict[str, Page], dict[str, str]]:
    """Routes, and the path (with query) and title of every article a crawl must store."""
    articles = {**SITEMAP_ARTICLES, **START_ARTICLES}
    routes: dict[str, Page] = {}
    for shape, path in SHAPE_PAGES.items():
        html = (SHAPES / f"{shape}.html").read_text("utf-8")
        routes[path] = Page(html)
        sel = Selector(text=html)
        for url in article_links(sel, base + path, base + path):
            address = url[len(base):]
            text = sel.xpath(f"//a[@href={json.dumps(address)} or @href="
                             f"{json.dumps(address.lstrip('/'))}]//text()").getall()
            articles.setdefault(address, " ".join(" ".join(text).split()))
    # each shape's second page, the last, with two articles linked nowhere else
    for n, path in enumerate(SECOND_PAGES):
        items = {f"/tin/bai-chi-co-o-trang-hai-so-{n}{k}-3100{n}{k}.html":
                 f"Bài chỉ có ở trang hai, danh mục {n}, số {k}" for k in range(2)}
        articles.update(items)
        routes[path] = Page("<html><head><title>Trang 2</title></head><body><div class='list'>"
                            + "".join(f"<div class='item'><h3><a href='{p}'>{t}</a></h3></div>"
                                      for p, t in items.items()) + "</div></body></html>")
    paths = list(articles)
    for seed, (path, title) in enumerate(articles.items()):
        related = [(p, articles[p]) for p in paths if p != path][:4]
        routes[path] = article_page(seed + 100, title, "Tin tức", "/tin/", related)
    # the real shapes of an article page, linking other articles
    for name, path in (("article_related", "/tin/bai-co-khoi-tin-cung-chuyen-muc-300004.html"),
                       ("article_short", "/tin/thong-bao-ngan-tam-dung-dich-vu-300005.html")):
        routes[path] = Page((SHAPES / f"{name}.html").read_text("utf-8"))
        articles[path] = name
    listed = [*SHAPE_PAGES.values(), *SITEMAP_ARTICLES, *list(articles)[-2:]]
    routes["/sitemap.xml"] = Page(
        "<?xml version='1.0' encoding='UTF-8'?><urlset "
        "xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>" + "".join(
            f"<url><loc>{base}{p.replace('&', '&amp;')}</loc></url>" for p in listed)
        + "</urlset>", content_type="application/xml")
    # the feed the NukeViet section announces
    routes["/index.php?nv=news&op=rss/chuyen-doi-so"] = Page(
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>CĐS</title>"
        "<item><title>Số hóa</title><link>/news/chuyen-doi-so/so-hoa-ho-so-thu-tuc-hanh-chinh"
        "-tai-cap-xa-2041.html</link></item></channel></rss>", content_type="application/rss+xml")
    routes["/robots.txt"] = Page("User-agent: *\nSitemap: /sitemap.xml\n",
                                 content_type="text/plain")
    routes["/tin-moi"] = Page("<html><head><title>Tin mới</title></head><body><ul>" + "".join(
        f"<li><a href='{p}'>{t}</a></li>" for p, t in START_ARTICLES.items())
        + "</ul></body></html>")
    return routes, articles


def test_sections_listed_in_a_sitemap_are_followed_and_never_stored(tmp_path: Path) -> None:
    site = SiteServer({}).start()
    try:
        routes, articles = sitemap_portal(site.base)
        site.routes.update(routes)
        sources = write_sources(tmp_path / "s.toml", [
            {"id": "tinh", "name": "Cổng tỉnh", "province": "Huế", "url": f"{site.base}/tin-moi"}])
        db = tmp_path / "p.db"
        figures = crawl(db, sources)
        assert not [k for k in figures if k.startswith("errors/")], figures
        stored = {r["url"] for r in open_store(db).iter_articles()}
        sections = {canonical_url(site.base + p) for p in SHAPE_PAGES.values()}
        assert not stored & sections
        assert stored == {canonical_url(site.base + p) for p in articles}
        assert open_store(db).count("articles") == len(articles)  # no listing row either
        assert figures["listing"] == len(SHAPE_PAGES), figures
        cold = len(site.requests)

        before = len(site.requests)
        again = crawl(db, sources)
        second = site.requests[before:]
        # a listing is read again as a listing (for new articles), never as an article
        for _, path, headers in second:
            if path in SHAPE_PAGES.values():
                assert "If-None-Match" not in headers
        assert again["listing_followed"] == len(SHAPE_PAGES) and again.get("listing", 0) == 0
        assert again["not_modified"] == len(articles) and again.get("new", 0) == 0
        # robots.txt, the start page, the sitemap, the feed a section announces, the
        # sections' first pages, one conditional GET per article (their second pages, needed
        # to reach the articles on them, count as the excess, as in benchmarks/crawl.py)
        minimum = 4 + len(SHAPE_PAGES) + len(articles)
        assert len(second) <= 1.1 * minimum, [p for _, p, _ in second]
        print(f"\nsitemap portal: cold {cold} requests; unchanged {len(second)} "
              f"(minimum {minimum})")
    finally:
        site.stop()


def test_a_listing_of_an_earlier_run_that_is_an_article_now_is_stored(tmp_path: Path) -> None:
    site = SiteServer({}).start()
    try:
        routes, _ = sitemap_portal(site.base)
        site.routes.update(routes)
        sources = write_sources(tmp_path / "s.toml", [
            {"id": "tinh", "name": "Cổng tỉnh", "province": "Huế", "url": f"{site.base}/tin-moi"}])
        db = tmp_path / "p.db"
        crawl(db, sources)
        section = canonical_url(site.base + "/news/chuyen-doi-so/")
        assert section in open_store(db).listing_urls()
        # the address now serves an article (or was misjudged): judged again, it is stored
        site.routes["/news/chuyen-doi-so/"] = article_page(
            7, "Tỉnh công bố bộ chỉ số chuyển đổi số cấp xã", "Tin tức", "/tin/", [])
        figures = crawl(db, sources)
        assert figures["new"] == 1, figures
        assert section in {r["url"] for r in open_store(db).iter_articles()}
        assert section not in open_store(db).listing_urls()
    finally:
        site.stop()


# -- (c) a database written before pages were judged --------------------------------------
LISTING_TEXT = "\n".join([
    "Tỉnh đẩy mạnh chuyển đổi số trong cơ quan nhà nước",
    "12/03/2024",
    "Hội nghị triển khai kế hoạch chuyển đổi số năm 2024",
    "11/03/2024",
    "Khai trương trung tâm giám sát điều hành thông minh",
    "Nông dân bán hàng qua sàn thương mại điện tử",
    "Tập huấn kỹ năng số cho tổ công nghệ số cộng đồng",
    "Xem thêm"])
ARTICLE_TEXT = ("Sáng 12/3, UBND tỉnh tổ chức hội nghị triển khai kế hoạch chuyển đổi số năm "
                "2024 với sự tham gia của các sở, ngành và địa phương.\nTheo kế hoạch, tỉnh "
                "phấn đấu đưa 80% thủ tục hành chính lên dịch vụ công trực tuyến toàn trình.")


def old_database(path: Path) -> None:
    """A schema-5 database (before page kinds) holding a listing stored as an article, with
    a pending alert, and a real article."""
    db = sqlite_utils.Database(path)
    for migration in MIGRATIONS[:5]:
        migration(db)
    db.execute("PRAGMA user_version = 5")
    for n, (url, title, text) in enumerate([
            ("https://tinh.gov.vn/chuyen-doi-so", "Chuyển đổi số", LISTING_TEXT),
            ("https://tinh.gov.vn/tin/hoi-nghi-trien-khai-cds-123456.html",
             "Hội nghị triển khai chuyển đổi số", ARTICLE_TEXT)], 1):
        db["articles"].insert({
            "id": n, "url": url, "link": url, "source": "tinh", "title": title, "text": text,
            "relevant": 1, "score": 3.0, "version": 1, "first_seen": "2026-12-01T00:00:00+00:00",
            "title_folded": fold(title), "text_folded": fold(text)})
        db["alerts"].insert({"id": n, "kind": "new", "article_id": n, "version": 1,
                             "created": "2026-12-01T00:00:00+00:00", "topic": "dx",
                             "payload": json.dumps({"title": title}), "tags": "[]"})
    db.conn.commit()
    db.conn.close()


def test_migration_marks_a_stored_listing_and_keeps_it_out_of_export_search_alerts(
        tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old_database(path)
    store = open_store(path)  # migrates
    rows = {r["url"]: r for r in store.db["articles"].rows}
    assert len(rows) == 2  # nothing deleted
    assert rows["https://tinh.gov.vn/chuyen-doi-so"]["page_kind"] == "listing"
    assert rows["https://tinh.gov.vn/tin/hoi-nghi-trien-khai-cds-123456.html"][
        "page_kind"] == "article"
    assert store.listing_urls() == {"https://tinh.gov.vn/chuyen-doi-so"}
    assert [a["article_id"] for a in store.all_unsent_alerts()] == [2]
    assert [a["article_id"] for a in store.pending_alerts("any-target")] == [2]

    runner = CliRunner()
    out = runner.invoke(main, ["--db", str(path), "export", "--format", "jsonl"]).output
    exported = [json.loads(line)["url"] for line in out.splitlines() if line.strip()]
    assert exported == ["https://tinh.gov.vn/tin/hoi-nghi-trien-khai-cds-123456.html"]
    found = runner.invoke(main, ["--db", str(path), "search", "--json", "khai truong"]).output
    assert "chuyen-doi-so" not in found  # 'Khai trương trung tâm …' is in the listing only
    found = runner.invoke(main, ["--db", str(path), "search", "--json", "chuyen doi so"]).output
    assert [json.loads(line)["id"] for line in found.splitlines() if line.strip()] == [2]
