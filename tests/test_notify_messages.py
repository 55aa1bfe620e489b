"""Message building: Vietnamese fields, Telegram-safe HTML, cuts that never break markup."""

from __future__ import annotations

import html
import random
import re
from typing import Any

import pytest

from notify.messages import (
    TELEGRAM_LIMIT,
    article_message,
    block_html,
    block_text,
    digest_parts,
    posted_length,
    telegram_length,
)
from tests.telegram_standin import telegram_html_errors

AWKWARD = "Chuyển đổi số & <b>CĐS</b> \"Đề án 06\" 'VNeID' 📱 a<b c>d &amp; "


def payload(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "kind": "new", "title": "Hà Tĩnh tháo gỡ rào cản trong chuyển đổi số",
        "url": "https://baohatinh.vn/bai-1.html?a=1&b=2", "source": "Báo Hà Tĩnh",
        "province": "Tuyên Quang", "former_provinces": ["Hà Giang"],
        "published": "2023-05-08T18:14:00+07:00", "topic": "dx",
        "topic_name": "Chuyển đổi số", "matched": ["chuyển đổi số", "chính quyền số"],
        "lead": "Dòng một của bài. Dòng hai của bài."}
    base.update(extra)
    return base


def check_html(text: str, limit: int) -> None:
    assert telegram_length(text) <= limit
    assert telegram_html_errors(text) == [], text
    # no entity cut in half: every & starts a complete entity
    assert not re.search(r"&(?!(lt|gt|amp|quot|#x27|#39);)", text), text


def test_fields_in_vietnamese_with_former_province_and_day_first_time() -> None:
    text = block_text(payload())
    assert text.splitlines() == [
        "Hà Tĩnh tháo gỡ rào cản trong chuyển đổi số",
        "Tỉnh/thành: Tuyên Quang (trước 2025: Hà Giang)",
        "Nguồn: Báo Hà Tĩnh",
        "Đăng lúc: 18:14 08/05/2023",
        "Chủ đề: Chuyển đổi số",
        "Từ khóa: chuyển đổi số, chính quyền số",
        "Dòng một của bài. Dòng hai của bài.",
        "Đọc bài: https://baohatinh.vn/bai-1.html?a=1&b=2"]
    h = block_html(payload())
    assert h.startswith('<b><a href="https://baohatinh.vn/bai-1.html?a=1&amp;b=2">Hà Tĩnh')
    check_html(h, TELEGRAM_LIMIT)


def test_same_province_before_2025_is_not_repeated_and_update_says_what_changed() -> None:
    p = payload(kind="changed", province="Hà Tĩnh", former_provinces=["Hà Tĩnh"],
                changes="~ tỷ lệ hồ sơ trực tuyến đạt [64,5% → 65,1%]\n+ đoạn mới <mới>")
    text = block_text(p)
    assert "Tỉnh/thành: Hà Tĩnh\n" in text and "trước 2025" not in text
    assert "Thay đổi:\n~ tỷ lệ hồ sơ trực tuyến đạt [64,5% → 65,1%]\n+ đoạn mới <mới>" in text
    h = block_html(p)
    assert "<b>Thay đổi:</b>\n<pre>~ tỷ lệ" in h and "&lt;mới&gt;</pre>" in h
    assert article_message(p).title == ("[Chuyển đổi số] Bài viết được cập nhật: Hà Tĩnh "
                                        "tháo gỡ rào cản trong chuyển đổi số")


def test_telegram_length_counts_what_apprise_posts() -> None:
    assert telegram_length("abc") == 3
    assert telegram_length("a\nb") == 4  # apprise writes \r\n
    assert telegram_length("📱") == 2  # Telegram counts UTF-16 code units
    assert telegram_length("Chuyển đổi số") == len("Chuyển đổi số")


def test_a_block_full_of_entities_is_cut_under_the_limit_not_mid_entity() -> None:
    # every & becomes &amp; (5 characters): cutting the text at half the limit would not do
    p = payload(title="&" * 3000, lead="<>" * 3000, changes="& < >\n" * 800)
    for limit in (400, 1000, 4096):
        h = block_html(p, limit)
        check_html(h, limit)
        assert "…" in h and h.startswith('<b><a href="')
        t = block_text(p, limit)
        assert len(t) <= limit and "…" in t


def test_changes_are_cut_inside_pre_and_pre_stays_closed() -> None:
    p = payload(kind="changed", changes="\n".join(f"+ đoạn {n} thêm & sửa <x>" for n in range(400)))
    h = block_html(p, 1500)
    check_html(h, 1500)
    assert h.count("<pre>") == 1 and h.endswith("…</pre>")
    assert "Từ khóa:" in h  # the short fields are kept, the long change list is shortened


def test_long_values_are_cut_at_a_word() -> None:
    p = payload(lead=" ".join(["chuyển đổi số"] * 400))
    h = block_html(p, 800)
    lead = re.search(r"<i>(.*)</i>", h, re.S)
    assert lead is not None and re.search(r" (chuyển|đổi|số)…$", lead.group(1))


def test_article_message_fits_the_telegram_limit_with_its_title() -> None:
    p = payload(title="Tiêu đề rất dài & <đặc biệt> " * 400, lead=AWKWARD * 200,
                kind="changed", changes=AWKWARD * 100)
    message = article_message(p, limit=TELEGRAM_LIMIT)
    assert posted_length(message) <= TELEGRAM_LIMIT
    check_html(message.html, TELEGRAM_LIMIT)
    assert len(message.text) <= TELEGRAM_LIMIT
    unlimited = article_message(p)
    assert len(unlimited.html) > TELEGRAM_LIMIT  # email and webhooks get everything


@pytest.mark.parametrize("seed", range(6))
def test_random_awkward_blocks_always_fit_and_stay_valid(seed: int) -> None:
    rng = random.Random(seed)
    pieces = [*AWKWARD.split(" "), "\n", "&", "<", ">", "Đắk Lắk", "🇻🇳", "x" * 50]
    for _ in range(40):
        def junk(n: int) -> str:
            return " ".join(rng.choice(pieces) for _ in range(rng.randint(0, n)))
        p = payload(title=junk(300) or "t", lead=junk(400), changes=junk(300) or None,
                    source=junk(20) or "s", matched=[junk(5) for _ in range(rng.randint(0, 8))],
                    kind=rng.choice(["new", "changed"]))
        limit = rng.choice([300, 700, 1500, TELEGRAM_LIMIT])
        check_html(block_html(p, limit), limit)
        assert len(block_text(p, limit)) <= limit
        message = article_message(p, limit=limit)
        assert posted_length(message) <= limit
        check_html(message.html, limit)


def alerts(count: int, *, lead: str = "Tỉnh triển khai dịch vụ công & chữ ký số. " * 7,
           ) -> list[dict[str, Any]]:
    provinces = ["Hà Tĩnh", "Lào Cai", "Tuyên Quang", "Huế", "Cà Mau", "Đắk Lắk"]
    return [{"id": n + 1, "payload": payload(
        title=f"Bài {n}: chuyển đổi số <{n}>", province=provinces[n % 6],
        former_provinces=["Hà Giang"] if provinces[n % 6] == "Tuyên Quang" else [],
        url=f"https://bao.vn/bai-{n}.html", lead=lead)} for n in range(count)]


def test_digest_of_60_splits_under_the_limit_grouped_by_province() -> None:
    parts = digest_parts(alerts(60))
    assert len(parts) > 1
    assert sorted(i for ids, _ in parts for i in ids) == list(range(1, 61))
    joined = "\n".join(m.html for _, m in parts)
    for n in range(60):
        assert joined.count(f"Bài {n}: chuyển đổi số &lt;{n}&gt;") == 1
    for number, (ids, message) in enumerate(parts, 1):
        assert posted_length(message) <= TELEGRAM_LIMIT
        check_html(message.html, TELEGRAM_LIMIT)
        assert message.title == f"Bản tin provwatch: 60 tin ({number}/{len(parts)})"
        assert message.html.startswith("<b>== ")  # every part says which province it is in
        assert len(ids) == message.html.count('<a href="')
    provinces = re.findall(r"<b>== (.+?) \(\d+\) ==</b>", joined)
    assert sorted(dict.fromkeys(provinces)) == list(dict.fromkeys(provinces))  # sorted groups
    assert "== Tuyên Quang (10) ==" in joined


def test_digest_without_a_limit_is_one_message() -> None:
    ((ids, message),) = digest_parts(alerts(60), limit=None)
    assert sorted(ids) == list(range(1, 61)) and message.title == "Bản tin provwatch: 60 tin"
    assert html.unescape(message.html).count("Bài ") == 60
    assert message.text.count("Đọc bài: https://bao.vn/bai-") == 60


def test_digest_of_blocks_each_near_the_limit_puts_one_per_part() -> None:
    parts = digest_parts(alerts(5, lead=AWKWARD * 40), limit=700)
    assert [len(ids) for ids, _ in parts] == [1, 1, 1, 1, 1]
    for _, message in parts:
        assert posted_length(message) <= 700
        check_html(message.html, 700)


def test_the_standin_checker_refuses_what_telegram_refuses() -> None:
    assert telegram_html_errors('<b>a</b> &amp; &lt;&#39; <a href="x">y</a> <pre>z</pre>') == []
    for bad in ("a & b", "<b>open", "<p>x</p>", "<b><i>x</b></i>", "&nbsp;"):
        assert telegram_html_errors(bad), bad
