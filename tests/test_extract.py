"""Extraction over the fixture corpus (9 pages, 8 CMS styles) and its edge cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.extract import ExtractHints, ExtractionError, extract_page
from crawler.text import nfc, normalise

CORPUS = Path(__file__).parent / "fixtures" / "extraction"
PAGES = sorted(p.stem for p in CORPUS.glob("*.html"))


def load(name: str) -> tuple[bytes, dict]:
    gold = json.loads((CORPUS / f"{name}.json").read_text("utf-8"))
    return (CORPUS / f"{name}.html").read_bytes(), gold


def test_corpus_is_large_and_varied_enough() -> None:
    styles = {load(p)[1]["cms"] for p in PAGES}
    assert len(PAGES) >= 8 and len(styles) >= 6


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
