"""Guards for extraction mechanisms that no fixture isolated (issue 18).

Each page here is served by a local HTTP server and read with ``provwatch extract URL
--json``, and each holds furniture that exactly one mechanism removes: trafilatura's own
cleaning already drops ``<footer>`` text and ``class="related…"`` blocks, so a page that
only had those would pass with provwatch's mechanism switched off. What each mechanism
alone catches:

* the ``<footer>`` tag removal: a site description in the footer whose class names it a
  lead (``description``) would otherwise be taken as the article's sapo;
* class/id furniture removal: Vietnamese class names (``box-tinlienquan``, ``thongke``,
  ``binhluan``) trafilatura does not know;
* visitor-counter lines: counters printed as plain paragraphs inside the article.

Also the 12 o'clock cases of AM/PM times in a visible date line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from cli import main
from crawler.core.dates import parse_vietnamese_date
from tests.localservers import Page, SiteServer

TITLE = "Hà Tĩnh đẩy mạnh chuyển đổi số ở cấp xã"
BODY = "".join(
    f"<p>Đoạn {i}: Trong năm 2024, tỉnh Hà Tĩnh tiếp tục đẩy mạnh chuyển đổi số trong các cơ "
    "quan nhà nước, đưa dịch vụ công trực tuyến toàn trình đến từng xã và hướng dẫn người dân "
    "cài đặt ứng dụng định danh điện tử VNeID.</p>" for i in range(1, 5))
TEASER = ("Nhiều hợp tác xã ở Cẩm Xuyên đã bán vải thiều qua sàn thương mại điện tử và nhận "
          "tiền bằng mã QR ngay tại vườn trong vụ mùa năm nay.")


def article_page(in_article: str = "", after: str = "", date_line: str = "12/03/2024 08:00"
                 ) -> str:
    return (f"<html><head><title>{TITLE}</title></head><body><h1>{TITLE}</h1>"
            f"<div class='date'>{date_line}</div><article><div class='content'>{BODY}"
            f"{in_article}</div></article>{after}</body></html>")


@pytest.fixture
def site() -> Iterator[SiteServer]:
    server = SiteServer().start()
    yield server
    server.stop()


def extract_served(site: SiteServer, html: str) -> dict:
    """Serve ``html`` on the local site and extract it as ``provwatch extract URL`` does."""
    path = f"/tin-tuc/bai-{len(site.routes) + 1}.html"
    site.routes[path] = Page(html)
    result = CliRunner().invoke(main, ["extract", f"{site.base}{path}", "--json"])
    assert result.exit_code == 0, result.output
    record: dict = json.loads(result.output)
    return record


def test_a_footer_description_is_not_taken_for_the_lead(site: SiteServer) -> None:
    # trafilatura drops <footer> itself; what provwatch's removal guards is the lead reader,
    # which looks for a "description"-classed element in the cleaned tree
    footer = ("<footer><div class='description'>Trang thông tin điện tử phường Cửa Nam, thành "
              "phố Vinh, tỉnh Nghệ An, do Ủy ban nhân dân phường quản lý và vận hành.</div>"
              "</footer>")
    record = extract_served(site, article_page(after=footer))
    assert "Cửa Nam" not in record["text"]
    assert record["text"].startswith("Đoạn 1: Trong năm 2024")


@pytest.mark.parametrize("attrs", ["class='box-tinlienquan'", "class='tin-lien-quan'",
                                   "class='thongke'", "id='binhluan'"])
def test_a_block_named_furniture_by_its_class_or_id_is_removed(site: SiteServer,
                                                                attrs: str) -> None:
    # no heading announces the block: only its class/id says it is furniture
    block = f"<div {attrs}><p>{TEASER}</p></div>"
    record = extract_served(site, article_page(in_article=block))
    assert "vải thiều" not in record["text"]
    assert record["text"].count("Đoạn ") == 4  # the article itself is all there


@pytest.mark.parametrize("counter", [
    "Lượt truy cập: 12345 / Đang online: 12",
    "Đang online: 12",
    "Thống kê truy cập: 12.345 lượt",
    "Lượt xem bài viết 1.234 - Hôm nay 56",
])
def test_a_visitor_counter_printed_inside_the_article_is_removed(site: SiteServer,
                                                                 counter: str) -> None:
    record = extract_served(site, article_page(in_article=f"<p>{counter}</p>"))
    assert not any(word in record["text"] for word in ("12345", "12.345", "online", "1.234"))
    assert record["text"].count("Đoạn ") == 4


@pytest.mark.parametrize(("text", "iso"), [
    ("08/05/2023 12:30 PM", "2023-05-08T12:30:00+07:00"),  # noon stays noon
    ("08/05/2023 12:10 AM", "2023-05-08T00:10:00+07:00"),  # ten past midnight
    ("08/05/2023 12:45 CH", "2023-05-08T12:45:00+07:00"),  # chiều
    ("08/05/2023 12:05 SA", "2023-05-08T00:05:00+07:00"),  # sáng
    ("08/05/2023 11:59 PM", "2023-05-08T23:59:00+07:00"),
    ("08/05/2023 01:00 AM", "2023-05-08T01:00:00+07:00"),
    ("08/05/2023 23:15", "2023-05-08T23:15:00+07:00"),  # the last hour is a valid hour
    ("08/05/2023 11:30 PM", "2023-05-08T23:30:00+07:00"),
])
def test_twelve_o_clock_with_am_pm(text: str, iso: str) -> None:
    parsed = parse_vietnamese_date(text)
    assert parsed is not None and parsed.isoformat() == iso


def test_a_date_line_at_half_past_noon_is_published_at_12_30(site: SiteServer) -> None:
    record = extract_served(site, article_page(date_line="Thứ hai, 08/05/2023 12:30 PM"))
    assert record["published"] == "2023-05-08T12:30:00+07:00"
    record = extract_served(site, article_page(date_line="Thứ hai, 08/05/2023 12:10 AM"))
    assert record["published"] == "2023-05-08T00:10:00+07:00"


@pytest.mark.parametrize("text", [
    "2024-03-12T10:15:00+07:00", "2024-03-12T03:15:00Z", "2024-03-12T05:15:00+02:00",
    "2024-03-12T08:45:00+05:30", "2024-03-11T22:45:00-0430",
])
def test_an_iso_offset_is_converted_by_its_sign_hours_and_minutes(text: str) -> None:
    parsed = parse_vietnamese_date(text)
    assert parsed is not None and parsed.isoformat() == "2024-03-12T10:15:00+07:00"


@pytest.mark.parametrize("text", ["12/03/2024 24:00", "12/03/2024 10:60", "12/03/2024 10:15:60"])
def test_a_time_just_out_of_range_keeps_the_date(text: str) -> None:
    parsed = parse_vietnamese_date(text)
    assert parsed is not None and parsed.isoformat() == "2024-03-12T00:00:00+07:00"


def test_the_last_second_of_the_day_is_kept() -> None:
    parsed = parse_vietnamese_date("12/03/2024 23:59:59")
    assert parsed is not None and parsed.isoformat() == "2024-03-12T23:59:59+07:00"
