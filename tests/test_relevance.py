"""The topic classifier: labelled set, look-alikes, folding, abbreviations, topic files."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from crawler.relevance import TopicFileError, classify, load_topics

DATA = Path(__file__).parent / "data"


def _items(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text("utf-8").splitlines()]


@pytest.mark.parametrize("name", ["relevance_labelled.jsonl", "relevance_holdout.jsonl"])
def test_labelled_sets_precision_and_recall(name: str) -> None:
    items = _items(name)
    tp = fp = fn = 0
    for item in items:
        got = classify(item["title"], item["text"].split("\n")[0], item["text"]).relevant
        tp += got and item["label"]
        fp += got and not item["label"]
        fn += (not got) and item["label"]
    assert tp / (tp + fp) >= 0.97 and tp / (tp + fn) >= 0.97


def test_labelled_set_covers_the_traps() -> None:
    items = _items("relevance_labelled.jsonl")
    assert len(items) >= 40 and abs(sum(i["label"] for i in items) * 2 - len(items)) <= 2
    notes = " ".join(i["note"] for i in items)
    for trap in ("cơ cấu cây trồng", "cơ cấu vật nuôi", "mục đích sử dụng đất", "năng lượng",
                 "chuyển đổi xanh", "giao thông xanh", "chuyển đổi nghề", "passing mention",
                 "no diacritics", "only 'CĐS'", "NFD"):
        assert trap in notes, trap


def test_lookalike_is_not_dx_and_is_explained() -> None:
    verdict = classify("Nông dân chuyển đổi cơ cấu cây trồng",
                       "Nông dân chuyển đổi cơ cấu cây trồng trên đất lúa.",
                       "Nông dân chuyển đổi cơ cấu cây trồng trên đất lúa.\nNăng suất tăng.")
    assert not verdict.relevant
    assert any("look-alike 'chuyển đổi cơ cấu cây trồng'" in p for p in verdict.penalties)


def test_number_words_after_so_are_not_dx() -> None:
    for phrase in ("chuyển đổi số liệu", "chuyển đổi số lượng", "chuyển đổi số tiền"):
        verdict = classify(f"Cơ quan {phrase} năm 2024", f"Cơ quan {phrase}.", f"Cơ quan {phrase}.")
        assert "chuyển đổi số" not in verdict.matched, phrase


def test_folded_nfd_and_abbreviations_match() -> None:
    lead = "Huế đẩy mạnh chuyển đổi số."
    plain = classify("Chuyển đổi số ở Huế", lead, lead)
    folded = classify("Chuyen doi so o Hue", "Hue day manh chuyen doi so.",
                      "Hue day manh chuyen doi so.")
    nfd = classify(*(unicodedata.normalize("NFD", t) for t in (
        "Chuyển đổi số ở Huế", "Huế đẩy mạnh chuyển đổi số.", "Huế đẩy mạnh chuyển đổi số.")))
    assert plain.score == folded.score == nfd.score and plain.relevant
    abbr = classify("Hội nghị CĐS quý I", "Ban Chỉ đạo CĐS họp.", "Ban Chỉ đạo CĐS họp.")
    assert abbr.relevant and "CĐS" in abbr.matched
    # abbreviations are whole words, case-sensitive: "ioc" inside words or lower case is nothing
    assert "IOC" not in classify("Trạm biocompost", "dự án biocompost và ioc", "x").matched


def test_title_counts_more_than_body_and_passing_mention_is_discounted() -> None:
    body = "Huyện khánh thành cầu treo dân sinh. Cây cầu giúp người dân đi lại an toàn."
    passing = classify("Khánh thành cầu dân sinh", body, body + "\nSẽ đẩy mạnh chuyển đổi số.")
    titled = classify("Chuyển đổi số ở huyện", body, body)
    assert not passing.relevant and titled.score > passing.score
    assert any("passing mention" in p for p in passing.penalties)


def test_explain_names_every_term_and_where() -> None:
    verdict = classify("Lào Cai khai trương IOC", "Tỉnh khai trương trung tâm IOC.",
                       "Tỉnh khai trương trung tâm IOC.\nDịch vụ công trực tuyến được kết nối.")
    text = verdict.explain()
    assert "RELEVANT" in text and "threshold" in text
    assert "'IOC' in title" in text and "'dịch vụ công trực tuyến' in body" in text


def test_second_topic_is_data_and_named_in_the_verdict(tmp_path: Path) -> None:
    verdict = classify("Diễn tập an toàn thông tin năm 2024",
                       "Tỉnh tổ chức diễn tập ứng cứu sự cố tấn công mạng.",
                       "Tỉnh tổ chức diễn tập ứng cứu sự cố tấn công mạng.\nMã độc được phát hiện.")
    assert verdict.relevant and verdict.topic == "attt"
    assert verdict.topic_name == "An toàn thông tin"
    custom = tmp_path / "topics.toml"
    custom.write_text('[[topics]]\nid = "ocop"\nname = "OCOP"\nthreshold = 3\n'
                      '[topics.terms]\n"sản phẩm ocop" = 2\n', encoding="utf-8")
    topics = load_topics(custom)
    verdict = classify("Thêm 20 sản phẩm OCOP", "Tỉnh công nhận sản phẩm OCOP.", "x", topics)
    assert verdict.relevant and verdict.topic == "ocop" and verdict.matched == ["sản phẩm ocop"]


@pytest.mark.parametrize(("body", "message"), [
    ('[[topics]]\nid = "x"\nname = "X"\nthreshold = 3\n', "missing required key 'terms'"),
    ('[[topics]]\nid = "x"\nname = "X"\nthreshold = -1\n[topics.terms]\n"a b" = 1\n',
     "key 'threshold' must be a positive number"),
    ('[[topics]]\nid = "x"\nname = "X"\nthreshold = 3\n[topics.terms]\n"số" = 1\n',
     "is a single word"),
    ('[[topics]]\nid = "x"\nname = "X"\nthreshold = 3\ncolour = 1\n[topics.terms]\n"a b" = 1\n',
     "unknown key 'colour'"),
    ('[[topics]]\nid = "x"\nname = "X"\nthreshold = 3\n[topics.terms]\n"a b" = "heavy"\n',
     "weight of 'a b' must be a positive number"),
])
def test_malformed_topic_file_names_file_topic_and_key(tmp_path: Path, body: str,
                                                       message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(TopicFileError) as err:
        load_topics(path)
    assert str(path) in str(err.value) and "topics[0] (id='x')" in str(err.value)
    assert message in str(err.value)
