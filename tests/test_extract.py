"""Extraction over the fixture corpus (16 pages, 11 site families) and the general rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.analysis.extract import ExtractHints, ExtractionError, extract_page
from crawler.core.text import nfc, normalise

CORPUS = Path(__file__).parent / "fixtures" / "extraction"
PAGES = sorted(p.stem for p in CORPUS.glob("*.html"))


def load(name: str) -> tuple[bytes, dict]:
    gold = json.loads((CORPUS / f"{name}.json").read_text("utf-8"))
    return (CORPUS / f"{name}.html").read_bytes(), gold


def test_corpus_is_large_and_varied_enough() -> None:
    styles = {load(p)[1]["cms"] for p in PAGES}
    assert len(PAGES) >= 10 and len(styles) >= 6


@pytest.mark.parametrize("name", PAGES)
def test_body_kept_furniture_removed(name: str) -> None:
    html, gold = load(name)
    page = extract_page(html, gold["url"])
    missing = [p for p in gold["must_contain"] if normalise(p) not in page.text]
    assert missing == [], f"{name}: body paragraphs lost"
    leaked = [f for f in gold["must_not_contain"] if f in page.text or f in (page.title or "")]
    assert leaked == [], f"{name}: furniture leaked"


@pytest.mark.parametrize("name", PAGES)
def test_metadata(name: str) -> None:
    html, gold = load(name)
    page = extract_page(html, gold["url"])
    assert page.title == gold["title"]
    assert (page.published.isoformat() if page.published else None) == gold["published"]
    assert page.author == gold["author"]


@pytest.mark.parametrize("name", PAGES)
def test_text_is_nfc_one_paragraph_per_line(name: str) -> None:
    html, gold = load(name)
    page = extract_page(html, gold["url"])
    assert page.text == nfc(page.text)
    assert "\n\n" not in page.text and "  " not in page.text
    assert page.lead == page.text.split("\n")[0]


def test_hints_restrict_and_exclude() -> None:
    html = ("<html><body><div class='a'><p>" + "Đoạn văn thật của bài viết về chính quyền số. " * 6
            + "</p><div class='promo-x'><p>" + "Quảng cáo dài dòng không phải bài viết ở đây. " * 6
            + "</p></div></div><div class='b'><p>" + "Nội dung ngoài vùng bài viết. " * 8
            + "</p></div></body></html>")
    plain = extract_page(html, "https://x.vn/a.html")
    assert "Quảng cáo dài dòng" in plain.text
    hinted = extract_page(html, "https://x.vn/a.html",
                          ExtractHints(content_selector="div.a", exclude_selectors=(".promo-x",)))
    assert "Đoạn văn thật" in hinted.text
    assert "Quảng cáo dài dòng" not in hinted.text and "ngoài vùng" not in hinted.text


@pytest.mark.parametrize(("body", "message"), [
    (b"", "empty"), (b"   \n  ", "empty"), (bytes(range(256)) * 40, "binary"),
    (b"<html><body><nav><a href='/'>Trang chu</a></nav></body></html>", "no article text"),
])
def test_pages_without_article_raise_a_clear_error(body: bytes, message: str) -> None:
    with pytest.raises(ExtractionError, match=message):
        extract_page(body, "https://x.vn/a.html")


def test_bytes_without_charset_are_decoded_utf8_then_windows_1258() -> None:
    sentence = "Thành phố Huế triển khai nền tảng công dân số Hue-S cho người dân. "
    text = ("<html><head><title>Chuyển đổi số ở Huế</title></head><body>"
            f"<h1>Chuyển đổi số ở Huế</h1><p>{sentence * 4}</p></body></html>")
    assert extract_page(text.encode("utf-8"), "https://x.vn/a").title == "Chuyển đổi số ở Huế"
    declared = text.replace("<head>", "<head><meta charset='windows-1258'>")
    from tests.test_bad_input import to_cp1258

    page = extract_page(to_cp1258(declared), "https://x.vn/a")
    assert page.title == "Chuyển đổi số ở Huế" and "công dân số" in page.text
    undeclared = extract_page(to_cp1258(text), "https://x.vn/a")
    assert "nền tảng công dân số" in undeclared.text


# -- general rules on small pages ------------------------------------------------------------
PARA = ("Tỉnh đã triển khai nền tảng số dùng chung, kết nối cơ sở dữ liệu dân cư với dịch vụ "
        "công trực tuyến toàn trình, giúp người dân giảm thời gian đi lại và chi phí thủ tục. ")


LAST = ("Thời gian tới, tỉnh sẽ nhân rộng mô hình ra các hợp tác xã và tổ hợp tác, gắn với "
        "phong trào Bình dân học vụ số.")


def page(body: str, head: str = "<title>Bài viết - Cổng thông tin</title>") -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head>"
            f"<body>{body}</body></html>")


def article(*paras: str, title: str = "Chuyển đổi số ở cơ sở") -> str:
    return f"<h1>{title}</h1><div class='noi-dung'>" + "".join(paras) + "</div>"


def test_hints_title_and_date_selectors_override_the_generic_path() -> None:
    html = page("<div class='x'>Tiêu đề thật của bài về chính quyền số</div>"
                "<span class='y'>Đăng lúc 9:05 ngày 14-03-2024</span>"
                + article(f"<p>{PARA * 3}</p>", title="Tiêu đề chung của trang tin tức"),
                head="<meta property='article:published_time' content='2020-01-01T00:00:00Z'>")
    generic = extract_page(html, "https://x.vn/a.html")
    assert generic.title == "Tiêu đề chung của trang tin tức"
    assert generic.published is not None and generic.published.year == 2020
    hinted = extract_page(html, "https://x.vn/a.html",
                          ExtractHints(title_selector="div.x", date_selector=".y"))
    assert hinted.title == "Tiêu đề thật của bài về chính quyền số"
    assert hinted.published is not None
    assert hinted.published.isoformat() == "2024-03-14T09:05:00+07:00"


def test_labelled_related_block_is_dropped_up_to_the_article_resuming() -> None:
    teaser = "<li><a href='/t.html'>Tin khác về chuyển đổi số ở xã vùng cao</a></li>"
    html = page(article(f"<p>{PARA * 2}</p>",
                        f"<div class='box'><h3>Tin cùng chuyên mục</h3><ul>{teaser * 3}</ul></div>",
                        f"<div>{'Sau hội nghị, các xã tiếp tục rà soát hồ sơ trực tuyến. ' * 6}"
                        "</div>", f"<p>{PARA}</p>"))
    got = extract_page(html, "https://x.vn/a.html")
    assert "Tin cùng chuyên mục" not in got.text and "xã vùng cao" not in got.text
    assert "các xã tiếp tục rà soát hồ sơ" in got.text  # a long link-free div ends the block


def test_caption_after_an_image_block_is_dropped_and_credits_too() -> None:
    html = page(article(f"<p>{PARA * 2}</p>",
                        "<div class='img'><a href='/a.jpg'><img src='/a.jpg'></a></div>",
                        "<p style='text-align: center'>Lãnh đạo tỉnh thăm Trung tâm IOC</p>",
                        f"<p>{PARA * 2}Hệ thống IOC hoạt động ổn định. (Ảnh: HNV)</p>",
                        "<p>Cán bộ hướng dẫn người dân cài VNeID (Ảnh: Báo Hà Tĩnh)</p>",
                        f"<p>{LAST}</p>"))
    got = extract_page(html, "https://x.vn/a.html")
    assert "Lãnh đạo tỉnh thăm" not in got.text and "cài VNeID" not in got.text
    # a long paragraph is never a caption: only its trailing credit goes
    assert "Hệ thống IOC hoạt động ổn định.\n" in got.text and "HNV" not in got.text


@pytest.mark.parametrize(("line", "author"), [
    ("Bài, ảnh: Liên Minh", "Liên Minh"), ("Tác giả: Th.S Hồ Thanh", "Th.S Hồ Thanh"),
    ("Theo: Báo Lào Cai", "Báo Lào Cai"), ("Khánh Lan - Việt Hà", "Khánh Lan - Việt Hà"),
    ("Theo Báo Lào Cai", "Báo Lào Cai"), ("(Theo TTXVN)", "TTXVN"),
])
def test_byline_becomes_author_and_leaves_the_text(line: str, author: str) -> None:
    html = page(article(f"<p>{PARA * 2}</p>", f"<p>{PARA}</p>", f"<p><b>{line}</b></p>"))
    got = extract_page(html, "https://x.vn/a.html")
    assert got.author == author
    assert line not in got.text and got.text.endswith(PARA.strip())


@pytest.mark.parametrize("shown", ["bởi Hoàng Anh", "Đăng bởi: Hoàng Anh", "by Hoàng Anh"])
def test_a_theme_author_element_loses_its_by_word(shown: str) -> None:
    # WordPress themes: <span class="byline">bởi <a rel="author">Name</a></span>
    name = shown.rsplit(" ", 2)[-2:]
    meta = (f"<div class='entry-meta'><span class='byline'>{shown.removesuffix(' '.join(name))}"
            f"<a rel='author' href='/author/ha/'>{' '.join(name)}</a></span></div>")
    got = extract_page(page(article(meta, f"<p>{PARA * 2}</p>", f"<p>{PARA}</p>")),
                       "https://x.vn/a.html")
    assert got.author == "Hoàng Anh"


@pytest.mark.parametrize("line", [
    "TAGS: chuyển đổi số; Tân Lập; VNeID", "Từ khóa: chuyển đổi số, VNeID",
    "Nghe đọc bài viết 00:00 / 03:12", "Theo dõi Báo Lào Cai trên Google News",
    "Hãy theo dõi Cổng thông tin điện tử tỉnh trên Zalo",
])
def test_tag_audio_and_follow_lines_are_not_text(line: str) -> None:
    html = page(article(f"<p>{PARA * 2}</p>", f"<p>{line}</p>", f"<p>{LAST}</p>"))
    got = extract_page(html, "https://x.vn/a.html")
    assert line not in got.text and got.text.endswith(LAST.strip())


HEADLINE = "Xã Tân Lập triển khai kế hoạch chuyển đổi số năm 2026"


@pytest.mark.parametrize("marked", [
    f"<center><font size='4'><b>{HEADLINE}</b></font></center>",
    f"<p><strong>{HEADLINE}</strong></p>",
])
def test_a_headline_marked_up_only_in_bold_is_the_title(marked: str) -> None:
    # no h1/h2, no title class, no og:title, and a <title> that only names the site
    html = (f"<html><head><title>Tin tức</title></head><body><div class='noi-dung'>{marked}"
            f"<p>{PARA * 2}</p><p>{LAST}</p></div></body></html>")
    got = extract_page(html, "https://x.vn/a.html")
    assert got.title == HEADLINE and not got.text.startswith(HEADLINE)


def test_a_bold_sentence_is_not_taken_for_the_headline() -> None:
    lead = "<p><b>Sáng 2/12, xã tổ chức hội nghị triển khai kế hoạch chuyển đổi số.</b></p>"
    html = (f"<html><head><title>Tin tức</title></head><body><div class='noi-dung'>{lead}"
            f"<p>{PARA * 2}</p></div></body></html>")
    assert extract_page(html, "https://x.vn/a.html").title == "Tin tức"


def test_footer_licence_and_source_credit_lines_are_not_text() -> None:
    html = page(article(f"<p>{PARA * 2}</p>", "<p>Nguồn tin: Báo Thừa Thiên Huế</p>")
                + "<div class='bottom'>Giấy phép số 123/GP-BTTTT. Tổng biên tập: Nguyễn Văn A"
                  "</div>")
    got = extract_page(html, "https://x.vn/a.html")
    assert "Nguồn tin" not in got.text and "Giấy phép" not in got.text
    assert got.author is None


def test_counters_and_session_dialog_inside_the_main_column() -> None:
    html = page(article(f"<p>{PARA * 2}</p>", "<div><b>Thống kê truy cập</b></div>",
                        "<div>Đang truy cập: 67</div><div>Hôm nay: 11,162</div>",
                        "<div>Bạn đã không sử dụng Site, <a href='#'>Bấm vào đây để duy trì "
                        "trạng thái đăng nhập</a>. Thời gian chờ: 60 giây</div>"))
    got = extract_page(html, "https://x.vn/a.html")
    for leak in ("Đang truy cập", "11,162", "Thống kê", "Bạn đã không sử dụng", "60 giây"):
        assert leak not in got.text


def test_article_header_is_not_page_chrome() -> None:
    html = page("<header class='site'><div class='logo'>Sở Thông tin và Truyền thông</div>"
                "</header><article><header class='entry-header'><h1>Tổ công nghệ số cộng đồng "
                f"ra quân</h1></header><div class='entry-content'><p>{PARA * 2}</p></div>"
                "<h3 class='comment-reply-title'>Để lại một bình luận</h3></article>",
                head="<title>Trang chủ</title>")
    assert extract_page(html, "https://x.vn/a.html").title == "Tổ công nghệ số cộng đồng ra quân"


def test_numeric_entities_and_nfd_come_out_nfc() -> None:
    nfd = "Chuyển đổi số"
    import unicodedata

    html = page(article(f"<p>{unicodedata.normalize('NFD', nfd)} n&#7873;n tảng s&#7889; "
                        f"{PARA * 2}</p>", title="Chuy&#7875;n đ&#7893;i s&#7889;"))
    got = extract_page(html, "https://x.vn/a.html")
    assert got.title == "Chuyển đổi số"
    assert got.text.startswith("Chuyển đổi số nền tảng số ")
    assert unicodedata.is_normalized("NFC", got.text)


def test_br_separated_body_becomes_paragraphs() -> None:
    html = page(article("<span>" + "<br><br>".join([PARA, "Đoạn hai về kinh tế số " * 8,
                                                    "Đoạn ba về xã hội số " * 8]) + "</span>"))
    lines = extract_page(html, "https://x.vn/a.html").text.split("\n")
    assert len(lines) == 3 and lines[1].startswith("Đoạn hai") and lines[2].startswith("Đoạn ba")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_bytes_with_a_bom(encoding: str) -> None:
    html = page(article(f"<p>{PARA * 2}</p>"))
    assert "nền tảng số dùng chung" in extract_page(html.encode(encoding), "https://x.vn/a").text


@pytest.mark.parametrize(("body", "message"), [
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n", "binary"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"<?xml version='1.0'?><rss><channel><item><title>CDS</title></item></channel></rss>",
     "feed"),
    (b'{"title": "Chuy\xe1\xbb\x83n \xc4\x91\xe1\xbb\x95i s\xe1\xbb\x91"}', "JSON"),
    ("Chỉ là văn bản thuần, không có thẻ HTML nào. ".encode() * 20, "no HTML markup"),
])
def test_non_html_is_refused_with_the_reason(body: bytes, message: str) -> None:
    with pytest.raises(ExtractionError, match=message):
        extract_page(body, "https://x.vn/a.pdf")


def test_header_today_date_is_not_the_publication_date() -> None:
    html = page("<div class='header'><span class='date'>Thứ Hai, 24/11/2025</span></div>"
                + article("<p class='ngay-dang'>Thứ tư - 06/10/2021 21:08</p>",
                          f"<p>{PARA * 2}</p>"))
    got = extract_page(html, "https://x.vn/a.html")
    assert got.published is not None
    assert got.published.isoformat() == "2021-10-06T21:08:00+07:00"
    assert "06/10/2021" not in got.text  # the date line is metadata, not text


def test_a_short_closing_sentence_is_not_a_byline() -> None:
    html = page(article(f"<p>{PARA * 2}</p>", "<p>Theo kế hoạch, tỉnh sẽ hoàn thành.</p>",
                        "<p>PV: Xin cảm ơn đồng chí./.</p>"))
    got = extract_page(html, "https://x.vn/a.html")
    assert got.author is None and got.text.endswith("PV: Xin cảm ơn đồng chí./.")
