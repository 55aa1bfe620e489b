"""A small provwatch database written through the real Store: the reading room's and the
export tests' data (a story and its copy, an edited article with a diff, an old story, a
second topic, a non-DX article, source health)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from crawler.analysis.versions import text_diff
from crawler.archive.database import open_store
from crawler.core.dates import VN_TZ

TQ_TITLE = "Chuyển đổi số: Tuyên Quang đưa dịch vụ công lên nền tảng số"
FARM_TITLE = "Nông dân chuyển đổi cơ cấu cây trồng vụ đông xuân"
HUE_TITLE = "Huế vận hành Trung tâm giám sát, điều hành đô thị thông minh"
OLD_TITLE = "Lào Cai ký kết hợp tác chuyển đổi số với doanh nghiệp viễn thông"
SAFETY_TITLE = "Huế diễn tập bảo đảm an toàn thông tin mạng"
LISTING_TITLE = "Chuyên mục Chuyển đổi số"
# stored in UTC; the same instant in Vietnamese time
TQ_FIRST_SEEN_UTC = "2026-12-03T20:30:00+00:00"
TQ_FIRST_SEEN_LOCAL = "2026-12-04T03:30:00+07:00"

HUE_V1 = ("Trung tâm IOC của thành phố Huế kết nối 25 hệ thống thông tin.\n"
          "Tỷ lệ hồ sơ trực tuyến toàn trình đạt 60%.")
HUE_V2 = ("Trung tâm IOC của thành phố Huế kết nối 25 hệ thống thông tin.\n"
          "Tỷ lệ hồ sơ trực tuyến toàn trình đạt 75%.\n"
          "Thành phố sẽ mở kho dữ liệu dùng chung trong quý II.")


def _article(url: str, source: str, province: str | None, title: str, text: str, *,
             published: datetime | None, relevant: bool, topic: str | None = None,
             former: list[str] | None = None, **extra: object) -> dict[str, object]:
    return {"url": url, "link": url, "source": source, "province": province,
            "former_provinces": former or [], "title": title, "author": None,
            "published": published.isoformat() if published else None, "text": text,
            "relevant": int(relevant), "score": 4.0 if relevant else 0.5,
            "matched": ["chuyển đổi số"] if relevant else [], "topic": topic, **extra}


def populate(path: Path) -> dict[str, int]:
    """Write the articles; returns their ids by name."""
    now = datetime.now(VN_TZ).replace(microsecond=0)
    store = open_store(path)
    store.upsert_sources([
        {"id": "baotuyenquang", "name": "Báo Tuyên Quang", "province": "Tuyên Quang",
         "kind": "newspaper", "url": "https://baotuyenquang.example/"},
        {"id": "congtuyenquang", "name": "Cổng TTĐT Tuyên Quang", "province": "Tuyên Quang",
         "kind": "portal", "url": "https://tuyenquang.example/"},
        {"id": "baohue", "name": "Báo Huế", "province": "Huế", "kind": "newspaper",
         "url": "https://baohue.example/"}])
    ids: dict[str, int] = {}
    ids["tq"] = store.insert_article(_article(
        "https://baotuyenquang.example/chuyen-doi-so-dich-vu-cong-101.html", "baotuyenquang",
        "Tuyên Quang", TQ_TITLE,
        "Sáng nay, tỉnh Tuyên Quang tổng kết một năm chuyển đổi số.\nNgười dân nộp hồ sơ "
        "trực tuyến toàn trình trên Cổng dịch vụ công.", published=now - timedelta(hours=1),
        relevant=True, topic="dx", former=["Hà Giang"], first_seen=TQ_FIRST_SEEN_UTC))
    ids["tq_copy"] = store.insert_article(_article(
        "https://tuyenquang.example/tin-tuc/chuyen-doi-so-202.html", "congtuyenquang",
        "Tuyên Quang", TQ_TITLE,
        "Sáng nay, tỉnh Tuyên Quang tổng kết một năm chuyển đổi số.\nNgười dân nộp hồ sơ "
        "trực tuyến toàn trình trên Cổng dịch vụ công.", published=now - timedelta(hours=1),
        relevant=True, topic="dx", former=["Hà Giang"], duplicate_of=ids["tq"]))
    ids["farm"] = store.insert_article(_article(
        "https://baotuyenquang.example/nong-dan-303.html", "baotuyenquang", "Tuyên Quang",
        FARM_TITLE, "Nông dân chuyển đổi cơ cấu cây trồng sang cam sành.",
        published=now - timedelta(hours=2), relevant=False))
    ids["hue"] = store.insert_article(_article(
        "https://baohue.example/ioc-404.html", "baohue", "Huế", HUE_TITLE, HUE_V1,
        published=now - timedelta(days=2), relevant=True, topic="dx"))
    store.add_version(ids["hue"], {"text": HUE_V2},
                      diff=text_diff(HUE_TITLE, HUE_V1, HUE_TITLE, HUE_V2))
    ids["old"] = store.insert_article(_article(
        "https://baolaocai.example/hop-tac-505.html", "baolaocai", "Lào Cai", OLD_TITLE,
        "Tỉnh Lào Cai ký kết thỏa thuận hợp tác chuyển đổi số giai đoạn 2026-2030.",
        published=datetime(2026, 1, 10, 8, 0, tzinfo=VN_TZ), relevant=True, topic="dx",
        former=["Yên Bái"], first_seen="2026-01-10T02:00:00+00:00"))
    ids["safety"] = store.insert_article(_article(
        "https://baohue.example/an-toan-606.html", "baohue", "Huế", SAFETY_TITLE,
        "Thành phố Huế diễn tập ứng cứu sự cố an toàn thông tin mạng.",
        published=now - timedelta(hours=3), relevant=True, topic="an-toan-thong-tin"))
    # a section front stored before pages were judged: kept, but no article (schema 6)
    ids["listing"] = store.insert_article(_article(
        "https://baotuyenquang.example/chuyen-muc/chuyen-doi-so", "baotuyenquang",
        "Tuyên Quang", LISTING_TITLE, "Chuyển đổi số: tin mới\nChuyển đổi số: tin cũ",
        published=now, relevant=True, topic="dx", page_kind="listing"))
    store.save_health({"source": "baotuyenquang", "last_run": 1, "fail_streak": 0,
                       "empty_streak": 0, "short_streak": 0,
                       "last_success": "2026-12-03T19:40:00+00:00"})
    store.save_health({"source": "congtuyenquang", "last_run": 1, "fail_streak": 3,
                       "empty_streak": 0, "short_streak": 0, "last_error": "dns×1",
                       "last_success": "2026-11-30T19:40:00+00:00"})
    store.close()
    return ids
