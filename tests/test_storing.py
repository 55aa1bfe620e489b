"""The storing rules (crawler/archive/storing.py) on a real SQLite file, without Scrapy and
without HTTP: new article, unchanged, new version, copy of a stored story, another page at
a known address, listing, alerts queued once, a refused write reported and not counted."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crawler.analysis.relevance import Classification
from crawler.archive.database import open_store
from crawler.archive.storing import (
    DUPLICATE,
    LISTING,
    NEW,
    OTHER_PAGE,
    UNCHANGED,
    UPDATED,
    AnalysedPage,
    Outcome,
    keep_page,
    store_counted,
    store_page,
    store_reading,
)
from crawler.config.sources import Source
from store.db import Store, StoreError

ROOT = Path(__file__).resolve().parents[1]
TITLE = "Hà Tĩnh đưa dịch vụ công trực tuyến toàn trình về tận thôn xóm"
STORY = [
    "Ngày 9/4, Sở Thông tin và Truyền thông tỉnh Hà Tĩnh phối hợp với UBND huyện Cẩm Xuyên "
    "ra mắt mô hình tổ công nghệ số cộng đồng tại 17 xã, thị trấn trên địa bàn.",
    "Các tổ viên hướng dẫn người dân cài đặt ứng dụng VNeID, kích hoạt tài khoản định danh "
    "điện tử mức 2 và nộp hồ sơ dịch vụ công trực tuyến toàn trình ngay tại nhà văn hóa thôn.",
    "Sau ba tháng triển khai, tỷ lệ hồ sơ nộp trực tuyến của huyện đạt 64,5%, tăng gần gấp "
    "đôi so với cùng kỳ; hơn 4.300 hộ gia đình đã dùng thanh toán không dùng tiền mặt.",
    "Huyện cũng đưa vào vận hành trung tâm điều hành thông minh cấp huyện, kết nối 86 camera "
    "giám sát và tiếp nhận phản ánh hiện trường của người dân qua ứng dụng di động.",
    "Lãnh đạo Sở đề nghị các địa phương nhân rộng mô hình, bảo đảm mỗi thôn có ít nhất một "
    "tổ viên thành thạo kỹ năng số trước ngày 30/9 để hoàn thành chỉ tiêu chuyển đổi số.",
]
EDITED = [*STORY[:2], STORY[2].replace("64,5%", "65,1%"), *STORY[3:]]
NOTICE = ("Trang đang được bảo trì",
          "Hệ thống đang được nâng cấp để phục vụ bạn tốt hơn. Xin vui lòng quay lại sau ít "
          "phút nữa. Mọi thắc mắc xin liên hệ bộ phận quản trị qua số điện thoại đường dây nóng.")
PORTAL = Source(id="portal", name="Cổng TTĐT Hà Tĩnh", url="https://hatinh.gov.vn/",
                province="Hà Tĩnh")
PAPER = Source(id="paper", name="Báo Hà Tĩnh", url="https://baohatinh.vn/",
               province="Hà Tĩnh")
URL = "https://hatinh.gov.vn/tin-tuc/dich-vu-cong-toan-trinh-ve-thon-xom-2233.html"
COPY_URL = "https://baohatinh.vn/chuyen-doi-so/dua-dich-vu-cong-ve-thon-xom-556677.html"


def verdict(relevant: bool) -> Classification:
    """What the classifier would say: the storing rules only read its outcome."""
    return Classification(
        relevant=relevant, score=7.5 if relevant else 1.0, threshold=4.0,
        topic="chuyen-doi-so" if relevant else None,
        topic_name="Chuyển đổi số" if relevant else None,
        matched=["dịch vụ công trực tuyến", "VNeID"] if relevant else [], hits=[],
        penalties=[], per_topic={})


def page(url: str = URL, paras: list[str] | None = None, *, title: str = TITLE,
         relevant: bool = True, source: Source = PORTAL, **fields: Any) -> AnalysedPage:
    """An analysed page as the pipelines hand it to the storing rules."""
    text = "\n".join(STORY if paras is None else paras)
    found = verdict(relevant)
    record = {"url": url, "title": title, "author": "Thu Hà", "published":
              "2024-04-09T08:30:00+07:00", "text": text, "relevant": relevant,
              "score": found.score, "matched": list(found.matched),
              "topic": found.topic if relevant else None}
    return AnalysedPage(url=url, source=source.id, record=record, verdict=found,
                        lead=text.split("\n")[0], **fields)


@pytest.fixture
def store(tmp_path: Path) -> Any:
    opened = open_store(tmp_path / "storing.db")
    yield opened
    opened.close()


def alerts(store: Store) -> list[dict[str, Any]]:
    return store.all_unsent_alerts()


def test_a_new_relevant_article_is_inserted_with_one_alert(store: Store) -> None:
    outcome = store_page(store, page(url=URL + "?utm_source=zalo", etag='"v1"'), PORTAL)
    assert outcome.kind == NEW and outcome.version == 1 and outcome.alerted
    assert outcome.duplicate_of is None
    assert outcome.article_id is not None
    row = store.article_by_id(outcome.article_id)
    assert row is not None
    assert row["url"] == URL  # stored under its canonical address, as fetched in "link"
    assert row["link"] == URL + "?utm_source=zalo"
    assert row["province"] == "Hà Tĩnh" and row["relevant"] == 1 and row["etag"] == '"v1"'
    assert row["lead"] == STORY[0]
    [alert] = alerts(store)
    assert alert["kind"] == "new" and alert["article_id"] == outcome.article_id
    assert alert["payload"]["source"] == "Cổng TTĐT Hà Tĩnh"
    assert alert["payload"]["title"] == TITLE


def test_a_new_article_that_is_not_relevant_is_stored_without_alert(store: Store) -> None:
    outcome = store_page(store, page(relevant=False), PORTAL)
    assert outcome.kind == NEW and not outcome.alerted
    assert store.count("articles") == 1
    assert alerts(store) == []


def test_an_article_without_a_declared_province_gets_the_one_its_title_and_lead_name(
        store: Store) -> None:
    """A national outlet's story about (former) Hà Giang that compares it with Lào Cai
    further down: the title and lead decide, not the most mentioned name of the text."""
    national = Source(id="national", name="Báo quốc gia", url="https://example.vn/")
    paras = ["Sáng 9/4, tỉnh Hà Giang ra mắt nền tảng số phục vụ người dân vùng cao.",
             "Trước đó Lào Cai đã làm tương tự; Lào Cai cũng là nơi đầu tiên thí điểm, "
             "và kinh nghiệm của Lào Cai được chia sẻ tại hội nghị."]
    outcome = store_page(store, page(paras=paras, title="Hà Giang có nền tảng số vùng cao",
                                     source=national), national)
    assert outcome.article_id is not None
    row = store.article_by_id(outcome.article_id)
    assert row is not None and row["province"] == "Tuyên Quang"
    assert json.loads(row["former_provinces"]) == ["Hà Giang"]
    declared = store_page(store, page(url=COPY_URL, paras=paras, relevant=False), PORTAL)
    assert declared.article_id is not None
    row = store.article_by_id(declared.article_id)
    assert row is not None and row["province"] == "Hà Tĩnh"  # the source's own province


def test_the_same_text_again_is_unchanged_and_only_checked(store: Store) -> None:
    first = store_page(store, page(etag='"v1"'), PORTAL)
    assert first.article_id is not None
    store.db.execute("UPDATE articles SET last_checked = '2020-01-01T00:00:00+00:00'")
    # the page's visitor counter moved and the spacing differs: no change of the article
    again = page(paras=[*STORY, "Lượt xem: 4.812"], etag='"v2"')
    outcome = store_page(store, again, PORTAL)
    assert outcome == Outcome(UNCHANGED, first.article_id, 1)
    row = store.article_by_id(first.article_id)
    assert row is not None
    assert row["version"] == 1 and row["etag"] == '"v2"'
    assert row["last_checked"] > "2020-01-01T00:00:00+00:00"
    assert len(store.versions(first.article_id)) == 1
    assert len(alerts(store)) == 1  # the first sighting's, no other


def test_an_edited_tracked_article_is_version_2_with_its_diff_and_a_change_alert(
        store: Store) -> None:
    first = store_page(store, page(), PORTAL)
    assert first.article_id is not None
    outcome = store_page(store, page(paras=EDITED, etag='"v2"'), PORTAL)
    assert outcome == Outcome(UPDATED, first.article_id, 2, None, True)
    versions = store.versions(first.article_id)
    assert [v["version"] for v in versions] == [1, 2]
    assert "-" + STORY[2] in versions[1]["diff"] and "+" + EDITED[2] in versions[1]["diff"]
    row = store.article_by_id(first.article_id)
    assert row is not None and "65,1%" in row["text"] and row["etag"] == '"v2"'
    new, changed = alerts(store)
    assert new["kind"] == "new" and changed["kind"] == "changed"
    assert changed["version"] == 2
    assert "[64,5%, → 65,1%,]" in changed["payload"]["changes"]


def test_an_edit_of_an_untracked_article_is_a_version_without_alert(store: Store) -> None:
    first = store_page(store, page(relevant=False), PORTAL)
    outcome = store_page(store, page(paras=EDITED, relevant=False), PORTAL)
    assert outcome == Outcome(UPDATED, first.article_id, 2, None, False)
    assert alerts(store) == []


def test_an_edit_that_makes_an_article_relevant_alerts_as_a_change(store: Store) -> None:
    store_page(store, page(relevant=False), PORTAL)
    outcome = store_page(store, page(paras=EDITED, relevant=True), PORTAL)
    assert outcome.kind == UPDATED and outcome.alerted
    assert [a["kind"] for a in alerts(store)] == ["changed"]


def _copy(url: str = COPY_URL, *, relevant: bool = True, source: Source = PAPER,
          paras: list[str] | None = None) -> AnalysedPage:
    """The story as another site republishes it: its own title, an agency prefix on the
    lead, its own furniture, the last paragraph left out."""
    body = paras if paras is not None else [
        "(Baohatinh.vn) - " + STORY[0], *STORY[1:4], "Tin, ảnh: Thu Hà"]
    return page(url, body, title="Cẩm Xuyên: Tổ công nghệ số đưa dịch vụ công về thôn",
                relevant=relevant, source=source)


def test_a_syndicated_copy_is_stored_as_a_duplicate_and_alerts_no_more(store: Store) -> None:
    first = store_page(store, page(), PORTAL)
    copy = store_page(store, _copy(), PAPER)
    assert copy.kind == DUPLICATE and copy.duplicate_of == first.article_id
    assert copy.article_id not in (None, first.article_id) and not copy.alerted
    # a copy of the copy belongs to the same story: its first-seen article
    third = store_page(store, _copy("https://stttt.hatinh.gov.vn/tin/3344"), PAPER)
    assert third.kind == DUPLICATE and third.duplicate_of == first.article_id
    assert store.count("articles") == 3
    assert [a["article_id"] for a in alerts(store)] == [first.article_id]
    # a copy edited later is a version of the copy, and no news either
    edited = [*_copy().record["text"].split("\n")[:2], EDITED[2], STORY[3]]
    outcome = store_page(store, _copy(paras=edited), PAPER)
    assert outcome.kind == UPDATED and outcome.article_id == copy.article_id
    assert not outcome.alerted
    assert len(alerts(store)) == 1


def test_a_story_first_seen_below_the_threshold_alerts_through_its_first_relevant_copy(
        store: Store) -> None:
    first = store_page(store, page(relevant=False), PORTAL)
    assert not first.alerted
    copy = store_page(store, _copy(relevant=True), PAPER)
    assert copy.kind == DUPLICATE and copy.alerted
    later = store_page(store, _copy("https://stttt.hatinh.gov.vn/tin/3344"), PAPER)
    assert later.kind == DUPLICATE and not later.alerted
    assert [a["article_id"] for a in alerts(store)] == [copy.article_id]


def test_a_relevant_story_is_alerted_once_however_often_it_is_met(store: Store) -> None:
    for fetched in (URL, URL + "?utm_source=facebook", URL.replace("https://", "http://"),
                    URL):
        store_page(store, page(url=fetched), PORTAL)
    store_page(store, page(url="https://hatinh.gov.vn/print/2233", requested_url=URL), PORTAL)
    store_page(store, _copy(), PAPER)
    assert store.count("articles") == 2  # the article and the newspaper's copy
    assert len(alerts(store)) == 1


def test_another_page_at_a_known_address_keeps_the_article(store: Store) -> None:
    first = store_page(store, page(etag='"v1"'), PORTAL)
    assert first.article_id is not None
    title, text = NOTICE
    outcome = store_page(store, page(paras=[text], title=title, relevant=False,
                                     etag='"maintenance"'), PORTAL)
    assert outcome == Outcome(OTHER_PAGE)  # stored as nothing: not this article's version
    row = store.article_by_id(first.article_id)
    assert row is not None
    assert row["title"] == TITLE and row["version"] == 1
    assert row["etag"] == '"v1"'  # the validators stay: the next run asks again
    assert len(alerts(store)) == 1


def test_a_known_article_is_found_at_its_requested_or_canonical_address(store: Store) -> None:
    first = store_page(store, page(), PORTAL)
    # fetched again through a redirect to its print view: the same article
    moved = store_page(store, page(url="https://hatinh.gov.vn/print/2233", requested_url=URL),
                       PORTAL)
    assert moved.kind == UNCHANGED and moved.article_id == first.article_id
    # a new article read at a tracking address, naming its canonical one: stored under it
    other = store_page(store, page(url="https://hatinh.gov.vn/r?id=9", paras=[NOTICE[1]],
                                   title="Bài khác", relevant=False,
                                   canonical_hint="https://hatinh.gov.vn/tin-tuc/bai-khac-9.html"),
                       PORTAL)
    assert other.kind == NEW and other.article_id is not None
    row = store.article_by_id(other.article_id)
    assert row is not None and row["url"] == "https://hatinh.gov.vn/tin-tuc/bai-khac-9.html"


def test_a_known_listing_page_is_left_alone(store: Store) -> None:
    first = store_page(store, page(relevant=False), PORTAL)
    store.db.execute("UPDATE articles SET page_kind = 'listing' WHERE id = ?",
                     [first.article_id])
    outcome = store_page(store, page(paras=EDITED), PORTAL)
    assert outcome == Outcome(LISTING)
    assert first.article_id is not None
    assert len(store.versions(first.article_id)) == 1
    assert store.count("alerts") == 0


def test_a_page_is_kept_once_and_replaced_only_by_a_changed_article(store: Store) -> None:
    first = store_page(store, page(), PORTAL)
    keep_page(store, first, URL, b"<html>one</html>", "utf-8")
    unchanged = store_page(store, page(), PORTAL)
    keep_page(store, unchanged, URL, b"<html>one, counter moved</html>", "utf-8")
    assert [p["body"] for p in store.kept_pages()] == [b"<html>one</html>"]
    updated = store_page(store, page(paras=EDITED), PORTAL)
    keep_page(store, updated, URL, b"<html>two</html>", "utf-8")
    assert [p["body"] for p in store.kept_pages()] == [b"<html>two</html>"]
    other = store_page(store, page(paras=[NOTICE[1]], title=NOTICE[0]), PORTAL)
    keep_page(store, other, URL, b"<html>maintenance</html>", "utf-8")
    assert [p["body"] for p in store.kept_pages()] == [b"<html>two</html>"]


def test_a_new_reading_corrects_the_article_in_place_without_version_or_alert(
        store: Store) -> None:
    """The page was first read badly (a wrong content selector caught a notice box); read
    again, its article is corrected in place."""
    first = store_page(store, page(paras=[NOTICE[1]], relevant=False), PORTAL)
    assert first.article_id is not None
    reread = page(relevant=True).record
    store_reading(store, first.article_id, reread, STORY[0], text_changed=True)
    row = store.article_by_id(first.article_id)
    assert row is not None
    assert row["version"] == 1 and row["relevant"] == 1 and row["text"] == "\n".join(STORY)
    assert row["lead"] == STORY[0]
    assert store.versions(first.article_id)[0]["text"] == row["text"]
    assert alerts(store) == []  # newly flagged by a re-reading is no news
    # the near-duplicate index follows the new text: a copy of it is found
    copy = store_page(store, _copy(), PAPER)
    assert copy.kind == DUPLICATE and copy.duplicate_of == first.article_id


# -- counting: a page counts as stored once its write is committed ---------------------

def test_an_outcome_is_counted_only_once_its_group_is_committed(store: Store) -> None:
    store.group_commits(50, 3600.0)
    counted: list[str] = []
    lost: list[bool] = []
    store_counted(store, page(), PORTAL, committed=counted.append,
                  lost=lambda: lost.append(True))
    store_counted(store, _copy(), PAPER, committed=counted.append,
                  lost=lambda: lost.append(True))
    assert counted == [] and lost == []  # written, not yet durable
    store.flush()
    assert counted == [NEW, DUPLICATE] and lost == []


def test_a_write_refused_at_once_is_reported_and_not_counted(store: Store) -> None:
    store_page(store, page(), PORTAL)
    store.db.execute("PRAGMA query_only = ON")  # the database refuses every write
    counted: list[str] = []
    lost: list[bool] = []
    for refused in (page(paras=EDITED), _copy(), page(url=URL + "-khac", relevant=False)):
        with pytest.raises((StoreError, sqlite3.Error)) as error:
            store_counted(store, refused, PORTAL, committed=counted.append,
                          lost=lambda: lost.append(True))
        assert "readonly" in str(error.value) or "read-only" in str(error.value)
    store.db.execute("PRAGMA query_only = OFF")
    store.flush()
    assert counted == [] and lost == []
    assert store.count("articles") == 1 and store.count("versions") == 1
    assert len(alerts(store)) == 1


# run in a process of its own: past RLIMIT_FSIZE every write fails as on a full disk
# (Python ignores SIGXFSZ, so the write returns EFBIG and SQLite reports an I/O error)
_FULL_DISK = """
import json, resource, sys
from crawler.archive.database import open_store
from crawler.archive.storing import store_counted
from store.db import StoreError
from tests.test_storing import full_disk_pages

store = open_store(sys.argv[1])
store.group_commits(100, 3600.0)
store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
# 1 MB: past SQLite's in-memory sub-journal (64 KB) but below what the group needs
resource.setrlimit(resource.RLIMIT_FSIZE, (1024 * 1024, resource.RLIM_INFINITY))
counted, lost = [], []
outcomes = [store_counted(store, p, None, committed=counted.append,
                          lost=lambda: lost.append(1)).kind for p in full_disk_pages()]
try:
    store.flush()
    error = None
except StoreError as exc:
    error = str(exc)
print(json.dumps({"outcomes": outcomes, "counted": counted, "lost": len(lost),
                  "error": error}))
"""


def full_disk_pages() -> list[AnalysedPage]:
    """Twenty distinct long articles (about 40 KB each): their group needs several MB of
    WAL, one article's savepoint far less than 1 MB."""
    return [page(f"https://hatinh.gov.vn/tin-tuc/bai-{i}.html",
                 [f"Bài số {i} của chuyên mục, phần {j}: " + " ".join(
                     f"từ{i}x{j}x{k}" for k in range(500)) for j in range(8)],
                 title=f"Bài số {i}") for i in range(20)]


def test_a_group_lost_at_commit_is_reported_and_counts_nothing(tmp_path: Path) -> None:
    db = tmp_path / "full.db"
    open_store(db).close()
    done = subprocess.run([sys.executable, "-c", _FULL_DISK, str(db)], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["outcomes"] == [NEW] * 20  # every write was accepted into the group...
    assert result["error"] and "cannot commit" in result["error"]  # ...whose commit failed
    assert result["counted"] == [] and result["lost"] == 20
    reopened = open_store(db)
    try:
        assert reopened.count("articles") == 0 and reopened.count("alerts") == 0
    finally:
        reopened.close()
