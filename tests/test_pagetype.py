"""Article or listing, judged on the fetched page (crawler.analysis.pagetype, issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from parsel import Selector

from crawler.analysis.links import is_home, listing_address, section_links
from crawler.analysis.pagetype import headline_list_text, page_kind

SITES = Path(__file__).parent / "sites"
SHAPES = SITES / "pagetype"
FIXTURES = Path(__file__).parent / "fixtures" / "extraction"

LISTINGS = {
    "liferay_category": "https://tinh.gov.vn/web/portal/kinh-te",
    "nukeviet_category": "https://sokhcn.tinh.gov.vn/news/chuyen-doi-so/",
    "wordpress_category": "https://baotinh.vn/category/chuyen-doi-so/",  # og:type article!
    "aspnet_catid": "https://huyen.gov.vn/TinTuc.aspx?CatID=3",
}
ARTICLES = {
    # 257 words, a related-news block and a latest-news column (10 article links)
    "article_related": "https://baotinh.vn/chuyen-doi-so/tinh-dua-ioc-vao-van-hanh-post412000.html",
    # 120 words, no metadata at all, ten 'Các tin khác' links with dates
    "article_short": "https://tinh.gov.vn/thong-bao/tam-dung-dich-vu-cong-5102.html",
}


def html(name: str) -> str:
    return (SHAPES / f"{name}.html").read_text("utf-8")


@pytest.mark.parametrize("name", sorted(LISTINGS))
def test_section_pages_are_listings(name: str) -> None:
    verdict = page_kind(html(name), LISTINGS[name])
    assert verdict.is_listing, verdict.reason
    assert len(verdict.links) >= 5 and verdict.reason.startswith("listing: ")


@pytest.mark.parametrize("name", sorted(ARTICLES))
def test_articles_with_many_links_stay_articles(name: str) -> None:
    verdict = page_kind(html(name), ARTICLES[name])
    assert verdict.kind == "article", verdict.reason
    assert len(verdict.links) == 10  # ten article links, and still an article


def related_block(count: int, excerpts: int) -> str:
    """A 'Tin liên quan' block: ``count`` headlines, each with ``excerpts`` sentences."""
    sentence = "Tóm tắt của bài liên quan, nêu vài ý chính về sự kiện đã diễn ra trong tuần. "
    return "<div class='tin-lien-quan'><div class='title'>Tin liên quan</div>" + "".join(
        f"<div class='item'><h3><a href='/tin-tuc/bai-lien-quan-so-{i}-cua-tinh-{700000 + i}"
        f".html'>Bài liên quan số {i} về hoạt động của tỉnh trong năm</a></h3>"
        + (f"<p>{sentence * excerpts}</p>" if excerpts else "") + "</div>"
        for i in range(count)) + "</div>"


def fixture_articles() -> list[tuple[str, str, str]]:
    out = [(p.stem, p.read_text("utf-8"), json.loads(p.with_suffix(".json").read_text("utf-8"))
            ["url"]) for p in sorted(FIXTURES.glob("*.html"))]
    out += [(name, html(name), url) for name, url in ARTICLES.items()]
    return out


@pytest.mark.parametrize(("name", "page", "url"), fixture_articles(),
                         ids=[n for n, _, _ in fixture_articles()])
def test_article_shapes_stay_articles_with_a_related_block_with_excerpts(
        name: str, page: str, url: str) -> None:
    assert page_kind(page, url).kind == "article"
    last_paragraph = page.rfind("</p>") + 4
    for count, excerpts in ((12, 0), (12, 2), (20, 1)):
        # after the body (often inside the article column), and at the end of the page
        inside = page[:last_paragraph] + related_block(count, excerpts) + page[last_paragraph:]
        after = page.replace("</body>", related_block(count, excerpts) + "</body>")
        for variant in (inside, after):
            verdict = page_kind(variant, url)
            assert verdict.kind == "article", (count, excerpts, verdict.reason)


def test_a_short_article_with_one_inline_link_and_a_related_block() -> None:
    page = html("article_short").replace(
        "<p>Văn phòng UBND tỉnh mong", "<p>Xem thêm: <a href='/tin-tuc/huong-dan-nop-ho-so-"
        "truc-tiep-tai-trung-tam-5090.html'>Hướng dẫn nộp hồ sơ trực tiếp tại trung tâm hành "
        "chính công</a></p><p>Văn phòng UBND tỉnh mong")
    assert page_kind(page, ARTICLES["article_short"]).kind == "article"


def test_a_page_with_few_article_links_is_an_article_at_once() -> None:
    verdict = page_kind("<html><body><p>Một đoạn.</p><a href='/tin/bai-so-mot-123456.html'>"
                        "Bài số một của trang này hôm nay</a></body></html>",
                        "https://tinh.gov.vn/gioi-thieu")
    assert verdict.kind == "article" and verdict.links == (
        "https://tinh.gov.vn/tin/bai-so-mot-123456.html",)


def test_the_page_itself_is_not_one_of_its_links() -> None:
    # an article whose breadcrumb, share bar and print link point at itself
    url = "https://bao.vn/tin/tinh-trien-khai-so-hoa-ho-so-123456.html"
    links = "".join(f"<p><a href='{url}?utm_source={n}'>Tỉnh triển khai số hóa hồ sơ hành "
                    "chính cấp xã</a></p>" for n in range(5))
    assert page_kind(f"<html><body>{links}</body></html>", url).links == ()


def test_a_selector_or_bytes_give_the_same_verdict() -> None:
    url = LISTINGS["nukeviet_category"]
    text = html("nukeviet_category")
    assert page_kind(Selector(text=text), url) == page_kind(text.encode("utf-8"), url)


@pytest.mark.parametrize(("url", "listing"), [
    ("https://huyen.gov.vn/TinTuc.aspx?CatID=3", True),
    ("https://huyen.gov.vn/TinTuc.aspx?CatID=3&ID=2031", False),
    ("https://tinh.gov.vn/?cat=5", True),
    ("https://baotinh.vn/category/chuyen-doi-so/", True),
    ("https://baotinh.vn/tin-tuc/page/2", True),
    ("https://baotinh.vn/tin-tuc/tinh-day-manh-chuyen-doi-so-123456.html", False),
])
def test_listing_address(url: str, listing: bool) -> None:
    assert listing_address(url) is listing


# -- stored text (migration 6) ------------------------------------------------------------
def test_stored_text_that_is_a_list_of_headlines() -> None:
    text = ("Tỉnh đẩy mạnh chuyển đổi số trong cơ quan nhà nước\n12/03/2024\n"
            "Hội nghị triển khai kế hoạch chuyển đổi số năm 2024\n11/03/2024\n"
            "Khai trương trung tâm giám sát điều hành thông minh\n"
            "Nông dân bán hàng qua sàn thương mại điện tử\nXem thêm")
    assert headline_list_text(text)


def test_stored_article_texts_are_not_lists_of_headlines() -> None:
    for meta in FIXTURES.glob("*.json"):
        text = "\n".join(json.loads(meta.read_text("utf-8"))["must_contain"])
        assert not headline_list_text(text), meta.name
    # an article that enumerates tasks in short lines still has sentences
    text = ("Kế hoạch đặt ra các nhiệm vụ trọng tâm trong năm 2024 như sau, theo đúng chỉ đạo "
            "của Ủy ban nhân dân tỉnh và Ban Chỉ đạo chuyển đổi số.\n"
            "Số hóa hồ sơ thủ tục hành chính\nKết nối dữ liệu dân cư\nPhát triển nền tảng số\n"
            "Đào tạo kỹ năng số\nCác sở, ngành báo cáo kết quả thực hiện trước ngày 15 hằng "
            "tháng để tổng hợp, báo cáo Ủy ban nhân dân tỉnh theo quy định hiện hành.")
    assert not headline_list_text(text)


# -- a home page's news sections ----------------------------------------------------------
def test_home_page_sections() -> None:
    blocks = "".join(
        f"<section><h2 class='block-title'><a href='{p}'>{n}</a></h2><ul><li><a "
        f"href='{p}bai-mot-hai-ba-bon-nam-1234{i}.html'>Bài một hai ba bốn năm sáu</a></li></ul>"
        f"<a href='{p}'>Xem thêm</a></section>"
        for i, (p, n) in enumerate([("/tin-tuc/", "Tin tức"), ("/kinh-te/", "Kinh tế")]))
    page = (SITES / "newsportal" / "home.html").read_text("utf-8").replace("{blocks}", blocks)
    sections = section_links(Selector(text=page), "https://bao.vn/", "https://bao.vn/")
    # the menu's news sections, best first; not Giới thiệu, Văn bản, Liên hệ or the home page
    assert sections == ["https://bao.vn/tin-tuc/", "https://bao.vn/kinh-te/",
                        "https://bao.vn/chuyen-doi-so/"]
    assert section_links(Selector(text=page), "https://bao.vn/", "https://bao.vn/", 2) == \
        sections[:2]


@pytest.mark.parametrize(("url", "home"), [
    ("https://bao.vn/", True), ("https://bao.vn", True), ("https://tinh.gov.vn/Default.aspx", True),
    ("https://tinh.gov.vn/vi/", True), ("https://tinh.gov.vn/index.php", True),
    ("https://bao.vn/tin-tuc/", False), ("https://bao.vn/?page=2", False),
    ("https://tinh.gov.vn/TinTuc.aspx?CatID=3", False),
    ("https://tinh.gov.vn/web/guest", True), ("https://tinh.gov.vn/web/guest/trang-chu", True),
    ("https://tinh.gov.vn/web/portal/kinh-te", False),
])
def test_is_home(url: str, home: bool) -> None:
    assert is_home(url) is home


# -- a listing led by a featured story; a notice of one sentence ---------------------------
MENU = ("<header><nav class='menu'><a href='/'>Trang chủ</a><a href='/kinh-te/'>Kinh tế</a>"
        "</nav></header>")
LEAD = ("Sáng nay, Ủy ban nhân dân tỉnh tổ chức hội nghị triển khai kế hoạch chuyển đổi số năm "
        "2024, với sự tham gia của lãnh đạo các sở, ngành, địa phương và doanh nghiệp viễn thông "
        "trên địa bàn; hội nghị đã thống nhất nhiều giải pháp để đẩy nhanh tiến độ số hóa hồ sơ, "
        "dữ liệu và mở rộng dịch vụ công trực tuyến toàn trình tới cấp xã trong năm nay.")


def sidebar(tag: str) -> str:
    return f"<{tag}><ul>" + "".join(
        f"<li><a href='/tin/tin-moi-nhat-so-{i}-cua-tinh-{800000 + i}.html'>Tin mới nhất số {i}"
        " của tỉnh hôm nay</a></li>" for i in range(8)) + f"</ul></{tag.split()[0]}>"


@pytest.mark.parametrize("side", ["aside", "div class='col-right'"])
def test_a_listing_led_by_a_featured_story_with_a_long_lead(side: str) -> None:
    items = "".join(f"<li><a href='/kinh-te/bai-kinh-te-so-{i}-trong-tuan-{900000 + i}.html'>"
                    f"Bài kinh tế số {i} trong tuần của tỉnh</a> <span>12/03/2024</span></li>"
                    for i in range(12))
    page = (f"<html><body>{MENU}<div class='content'><h1>Kinh tế</h1><div class='featured'>"
            "<h2><a href='/kinh-te/bai-noi-bat-nhat-cua-chuyen-muc-900100.html'>Bài nổi bật "
            f"nhất của chuyên mục kinh tế tuần này</a></h2><p>{LEAD}</p></div><ul class='list'>"
            f"{items}</ul></div>{sidebar(side)}</body></html>")
    assert page_kind(page, "https://bao.vn/kinh-te/").is_listing


@pytest.mark.parametrize("side", ["aside", "div class='col-right'"])
def test_a_notice_of_one_sentence_beside_a_latest_news_column(side: str) -> None:
    page = (f"<html><body>{MENU}<div class='content'><h1>Thông báo kết quả xét tuyển viên chức "
            "năm 2024 của Sở Thông tin</h1><div class='date'>12/03/2024</div><p>Sở Thông tin và "
            "Truyền thông thông báo kết quả xét tuyển viên chức năm 2024 (file đính kèm).</p>"
            f"<a href='/uploads/thong-bao.pdf'>Tải về</a></div>{sidebar(side)}</body></html>")
    verdict = page_kind(page, "https://bao.vn/thong-bao/ket-qua-xet-tuyen-123456.html")
    assert verdict.kind == "article", verdict.reason
