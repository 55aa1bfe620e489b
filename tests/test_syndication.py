"""One story, many copies; one article, many versions (issue 6), on real local sites."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from crawler.analysis.dedup import fingerprint
from crawler.archive.database import open_store
from tests.conftest import FAST, write_sources
from tests.localservers import Page, SiteServer, WebhookServer

RELEASE = [
    "Sáng 12/3, UBND tỉnh Lào Cai tổ chức hội nghị triển khai kế hoạch chuyển đổi số năm 2024 "
    "với sự tham gia của lãnh đạo các sở, ngành và 152 xã, phường, thị trấn.",
    "Năm 2023, tỉnh đã cung cấp 1.342 dịch vụ công trực tuyến toàn trình, tỷ lệ hồ sơ nộp trực "
    "tuyến đạt 68%, 100% cơ quan nhà nước sử dụng chữ ký số trong gửi nhận văn bản điện tử.",
    "Trung tâm giám sát, điều hành thông minh của tỉnh đã kết nối 1.200 camera, tiếp nhận và xử lý "
    "hơn 9.000 phản ánh hiện trường của người dân trong năm.",
    "Năm 2024, tỉnh đặt mục tiêu 80% người trưởng thành có tài khoản định danh điện tử, 70% hộ gia "
    "đình có người biết sử dụng thanh toán không dùng tiền mặt.",
    "Phát biểu kết luận, Chủ tịch UBND tỉnh yêu cầu các sở, ngành rà soát dữ liệu, bảo đảm an toàn "
    "thông tin và hoàn thành các chỉ tiêu chuyển đổi số trước ngày 30/11.",
]
OTHER = [
    "Sáng 14/3, UBND tỉnh Lào Cai tổ chức hội nghị tổng kết công tác cải cách hành chính năm 2023 "
    "với sự tham gia của lãnh đạo các sở, ngành và 152 xã, phường, thị trấn.",
    "Chỉ số hài lòng của người dân đối với sự phục vụ của cơ quan hành chính đạt 86,5%, tăng 3 "
    "bậc so với năm trước; tỉnh xếp thứ 12 cả nước về chỉ số cải cách hành chính.",
    "Tỉnh đã cắt giảm 215 thủ tục không cần thiết, rút ngắn thời gian giải quyết hồ sơ đất đai "
    "từ 30 ngày xuống còn 15 ngày ở cấp huyện.",
    "Năm 2024, tỉnh đặt mục tiêu nâng chỉ số hài lòng lên trên 88% và không để hồ sơ trễ hạn ở "
    "bộ phận một cửa các cấp.",
    "Phát biểu kết luận, Chủ tịch UBND tỉnh yêu cầu các sở, ngành chấn chỉnh kỷ luật, kỷ cương "
    "hành chính và hoàn thành các chỉ tiêu cải cách trước ngày 30/11.",
]
ARTICLE = "/tin-tuc/lao-cai-trien-khai-ke-hoach-chuyen-doi-so-2024-123456.html"
OTHER_PATH = "/tin-tuc/lao-cai-tong-ket-cai-cach-hanh-chinh-2023-123457.html"


def article_html(title: str, paras: list[str], furniture: str, date: str = "12/03/2024 10:15",
                 counter: int = 1234) -> str:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<div class='menu'><a href='/'>Trang chủ</a></div>"
            f"<div class='detail'><h1>{title}</h1><div class='date'>{date}</div>"
            f"<div class='content'>{body}</div>{furniture}</div>"
            f"<div class='counter'>Thống kê truy cập<br>Hôm nay: {counter}<br>"
            f"Tổng lượt truy cập: {counter * 97}</div></body></html>")


def listing(*paths: str) -> Page:
    links = "".join(f"<li><a href='{p}'>Bài viết về chuyển đổi số và cải cách hành chính tỉnh "
                    f"Lào Cai năm 2024</a></li>" for p in paths)
    return Page(f"<html><body><ul class='news'>{links}</ul></body></html>")


def site(routes: dict[str, Page]) -> SiteServer:
    base = {"/robots.txt": Page("User-agent: *\nAllow: /\n", content_type="text/plain")}
    return SiteServer({**base, **routes}).start()


@pytest.fixture
def three_sites() -> Iterator[list[SiteServer]]:
    portal = site({
        "/tin": listing(ARTICLE, OTHER_PATH),
        ARTICLE: Page(article_html("Lào Cai triển khai kế hoạch chuyển đổi số năm 2024", RELEASE,
                                   "<div class='related'><h3>Tin cùng chuyên mục</h3></div>")),
        OTHER_PATH: Page(article_html("Lào Cai tổng kết cải cách hành chính năm 2023", OTHER, "",
                                      date="14/03/2024 09:00")),
    })
    newspaper = site({
        "/tin": listing(ARTICLE),
        ARTICLE: Page(article_html(
            "Triển khai kế hoạch chuyển đổi số năm 2024 - Báo Lào Cai",
            ["LCĐT – " + RELEASE[0], *RELEASE[1:], "Theo Cổng TTĐT tỉnh."],
            "<div class='box-comment'>Ý kiến bình luận</div>")),
    })
    department = site({
        "/tin": listing(ARTICLE),
        ARTICLE: Page(article_html("Tỉnh Lào Cai triển khai kế hoạch CĐS năm 2024",
                                   RELEASE[:4], "<div class='share'>Chia sẻ</div>")),
    })
    yield [portal, newspaper, department]
    for s in (portal, newspaper, department):
        s.stop()


def sources_for(tmp_path: Path, sites: list[SiteServer]) -> Path:
    return write_sources(tmp_path / "s.toml", [
        {"id": f"site{i}", "name": f"Nguồn {i}", "province": "Lào Cai", "url": f"{s.base}/tin"}
        for i, s in enumerate(sites)])


def test_syndicated_copies_are_one_story_and_distinct_articles_stay_apart(
        tmp_path: Path, three_sites: list[SiteServer], webhook: WebhookServer) -> None:
    db = tmp_path / "p.db"
    result = CliRunner().invoke(main, ["--db", str(db), *FAST, "run", "--sources",
                                       str(sources_for(tmp_path, three_sites)),
                                       "--notify", webhook.url])
    assert result.exit_code == 0, result.output
    rows = list(open_store(db).iter_articles())
    assert len(rows) == 4
    release = [r for r in rows if "chuyển đổi số" in r["text"] and "1.342" in r["text"]]
    other = [r for r in rows if "cải cách hành chính năm 2023" in (r["title"] or "")]
    assert len(release) == 3 and len(other) == 1
    originals = [r for r in release if r["duplicate_of"] is None]
    assert len(originals) == 1
    assert all(r["duplicate_of"] == originals[0]["id"] for r in release if r is not originals[0])
    assert other[0]["duplicate_of"] is None  # same province, same week, stock phrases: apart
    assert len(webhook.received) == 1  # one story, one alert
    export = CliRunner().invoke(main, ["--db", str(db), "export"]).output.splitlines()
    assert sum(json.loads(line)["duplicate_of"] is not None for line in export) == 2


def first_run_of_the_portal(tmp_path: Path, portal: SiteServer, webhook: WebhookServer
                            ) -> tuple[Path, Path, list[str]]:
    """The portal crawled once (one DX article, one alert): its db, sources and run args."""
    sources = write_sources(tmp_path / "s.toml", [
        {"id": "portal", "name": "Cổng", "province": "Lào Cai", "url": f"{portal.base}/tin"}])
    db = tmp_path / "p.db"
    args = ["--db", str(db), *FAST, "run", "--sources", str(sources), "--notify", webhook.url]
    assert CliRunner().invoke(main, args).exit_code == 0
    assert len(webhook.received) == 1
    return db, sources, args


def test_edit_is_one_version_and_a_counter_is_no_change(
        tmp_path: Path, three_sites: list[SiteServer], webhook: WebhookServer) -> None:
    portal = three_sites[0]
    db, sources, args = first_run_of_the_portal(tmp_path, portal, webhook)
    title = "Lào Cai triển khai kế hoạch chuyển đổi số năm 2024"
    # only the visitor counter changes: not a change
    portal.routes[ARTICLE] = Page(article_html(title, RELEASE, "", counter=98765))
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "0 updated" in result.output and len(webhook.received) == 1
    # a figure corrected and a sentence added: one new version, one change alert
    edited = [RELEASE[0], RELEASE[1].replace("68%", "71%"), *RELEASE[2:],
              "Tỉnh sẽ sơ kết việc thực hiện kế hoạch vào tháng 7/2024."]
    portal.routes[ARTICLE] = Page(article_html(title, edited, "", counter=99999))
    result = CliRunner().invoke(main, args)
    assert "1 updated" in result.output, result.output
    assert len(webhook.received) == 2
    change = webhook.received[-1]["message"]
    assert "Thay đổi" in change and "71%" in change and "sơ kết" in change
    store = open_store(db)
    article = next(r for r in store.iter_articles() if r["url"].endswith(ARTICLE))
    versions = store.versions(article["id"])
    assert [v["version"] for v in versions] == [1, 2]
    # the same edited page again, also fetched by hand: nothing new
    assert CliRunner().invoke(main, args).exit_code == 0
    portal.routes[ARTICLE] = Page(article_html(title, edited, "", counter=5))
    recrawl = CliRunner().invoke(main, ["--db", str(db), *FAST, "recrawl", "--sources",
                                        str(sources), f"{portal.base}{ARTICLE}"])
    assert recrawl.exit_code == 0 and "1 unchanged" in recrawl.output, recrawl.output
    assert len(webhook.received) == 2 and len(store.versions(article["id"])) == 2
    history = CliRunner().invoke(main, ["--db", str(db), "history", str(article["id"])])
    lines = history.output.splitlines()
    assert len(lines) == 2 and "first seen" in lines[0] and "+2 -1 lines" in lines[1]
    diff = CliRunner().invoke(main, ["--db", str(db), "diff", str(article["id"])]).output
    assert "-" + RELEASE[1] in diff and "+" + edited[1] in diff and "+" + edited[-1] in diff


def test_fingerprints_join_copies_and_separate_stock_phrase_articles() -> None:
    release = fingerprint("\n".join(RELEASE))
    copy = fingerprint("\n".join(["LCĐT – " + RELEASE[0], *RELEASE[1:], "Theo Cổng TTĐT tỉnh."]))
    excerpt = fingerprint("\n".join(RELEASE[:4]))
    other = fingerprint("\n".join(OTHER))
    assert release.jaccard(copy.signature) >= 0.55
    assert release.jaccard(excerpt.signature) >= 0.55
    assert release.jaccard(other.signature) < 0.3
    assert set(release.buckets) & set(copy.buckets)


def test_a_page_that_replaced_the_article_is_no_version_and_no_alert(
        tmp_path: Path, three_sites: list[SiteServer], webhook: WebhookServer) -> None:
    portal = three_sites[0]
    db, _, args = first_run_of_the_portal(tmp_path, portal, webhook)
    article = portal.routes[ARTICLE]
    # the portal answers 200 with its maintenance notice where the article was
    portal.routes[ARTICLE] = Page(article_html(
        "Trang đang được bảo trì", ["Hệ thống đang được nâng cấp để phục vụ bạn đọc tốt hơn. "
                                    "Xin vui lòng quay lại sau ít phút. Xin cảm ơn quý vị!"], ""))
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "0 updated" in result.output and "other_page=1" in result.output, result.output
    assert len(webhook.received) == 1
    store = open_store(db)
    stored = next(r for r in store.iter_articles() if r["url"].endswith(ARTICLE))
    assert stored["title"] == "Lào Cai triển khai kế hoạch chuyển đổi số năm 2024"
    assert len(store.versions(stored["id"])) == 1
    # the article is back: the stored validators are still the article's, so the portal
    # answers 304 and nothing changes
    portal.routes[ARTICLE] = article
    result = CliRunner().invoke(main, args)
    assert "0 updated" in result.output and "other_page" not in result.output, result.output
    assert "not_modified=2" in result.output and len(webhook.received) == 1
