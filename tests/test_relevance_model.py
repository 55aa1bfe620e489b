"""The trained model beside the relevance rules (issue 21): real classifications of short
Vietnamese stories written for these tests, the model file's checks, and its errors."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from crawler.analysis.relevance import (
    TopicFileError,
    TopicModelError,
    classify,
    load_topics,
)
from crawler.analysis.relevance_model import (
    Contribution,
    ModelFileError,
    ModelVerdict,
    Tokenizer,
    bundled_model_dir,
    load_model,
)
from crawler.core.text import fold

MODEL = bundled_model_dir() / "relevance_model.json"
NEEDS = f"{load_model(MODEL).threshold:.2f}"  # the shipped model's threshold, as explain shows it

# an app outage: the rules see VNeID, định danh điện tử and "Bộ Công an ... ứng dụng" and flag it
OUTAGE = (
    "VNeID quá tải, hàng loạt người dùng không truy cập được",
    "Tối 12/9, ứng dụng định danh điện tử VNeID của Bộ Công an rơi vào tình trạng quá tải, "
    "khiến hàng loạt người dùng không thể truy cập trong nhiều giờ.",
    "Nguyên nhân được cho là lượng người vào ứng dụng tăng đột biến sau khi có tin sắp nhận "
    "tiền hỗ trợ qua tài khoản định danh điện tử. Nhiều người cho biết màn hình chỉ hiện vòng "
    "xoay rồi thoát ra, thử lại hàng chục lần vẫn vậy.\n"
    "Anh Hùng ở Đà Nẵng kể đã ngồi chờ gần hai tiếng đồng hồ mà không vào được. Chị Mai ở Cần "
    "Thơ thì nhận thông báo hết phiên ngay sau khi nhập mật khẩu.\n"
    "Đến gần nửa đêm, ứng dụng mới truy cập lại bình thường. Đơn vị vận hành đề nghị người dân "
    "không vào ứng dụng cùng lúc và theo dõi thông báo chính thức.",
)

DX = (
    "Tuyên Quang đưa 100% thủ tục hành chính cấp xã lên dịch vụ công trực tuyến",
    "UBND tỉnh Tuyên Quang vừa triển khai nền tảng số dùng chung, kết nối dữ liệu của các sở, "
    "ngành với 124 xã, phường.",
    "Người dân nộp hồ sơ trực tuyến toàn trình, tra cứu kết quả trên ứng dụng và thanh toán "
    "phí không dùng tiền mặt. Tổ công nghệ số cộng đồng ở các thôn hướng dẫn người cao tuổi "
    "kích hoạt tài khoản định danh điện tử.\n"
    "Theo Sở Khoa học và Công nghệ, tỉnh đặt mục tiêu năm nay số hóa toàn bộ hồ sơ, kết quả "
    "giải quyết thủ tục hành chính và hoàn thành kho dữ liệu dùng chung.",
)

CUSTOM = """
[[topics]]
id = "vneid"
name = "VNeID"
threshold = 5.0
{model}
[topics.terms]
"định danh điện tử" = 2.5
[topics.abbreviations]
"VNeID" = 2.5
"""


def _flagged(verdict_topic: str | None, relevant: bool) -> bool:
    return relevant and verdict_topic == "dx"


def test_an_outage_the_rules_flag_is_refused_by_the_model() -> None:
    topics = load_topics()
    rules_only = [dataclasses.replace(t, model=None) for t in topics]
    alone = classify(*OUTAGE, rules_only)
    assert _flagged(alone.topic, alone.relevant)  # the rules alone raise a false alarm
    both = classify(*OUTAGE, topics)
    assert not both.relevant
    assert both.topic == "dx" and both.score >= both.threshold
    assert both.probability is not None and both.model_threshold is not None
    assert both.probability < both.model_threshold
    assert both.refused_by_model


def test_a_dx_story_stays_flagged() -> None:
    verdict = classify(*DX)
    assert _flagged(verdict.topic, verdict.relevant)
    assert verdict.probability is not None and verdict.probability > 0.9
    assert not verdict.refused_by_model


def test_explain_names_the_probability_and_the_model_terms() -> None:
    shown = classify(*DX).explain()
    assert "RELEVANT" in shown
    assert f"model relevance_model.json: probability 1.00 (needs >= {NEEDS})" in shown
    assert "for: 'du lieu'" in shown or "for: 'truc tuyen'" in shown
    assert "against: '" in shown
    verdict = classify(*OUTAGE)
    refused = verdict.explain()
    assert verdict.probability is not None
    shown_p = f"{verdict.probability:.2f}"
    assert refused.startswith("not relevant (không liên quan): topic 'Chuyển đổi số' [dx] "
                              "score 20.50 >= threshold 5.00, but the model says it is not "
                              f"the topic's story (probability {shown_p} < {NEEDS})")
    assert "'VNeID' in title" in refused  # the rule evidence is still shown
    assert f"model relevance_model.json: probability {shown_p} (needs >= {NEEDS})" in refused


def test_the_model_carries_its_top_terms_both_ways() -> None:
    verdict = classify(*DX)
    assert verdict.evidence is not None
    positive = [c.term for c in verdict.evidence.positive[:10]]
    assert "du lieu" in positive or "truc tuyen" in positive
    assert all(c.weight > 0 for c in verdict.evidence.positive)
    assert all(c.weight < 0 for c in verdict.evidence.negative)
    weights = [abs(c.weight) for c in verdict.evidence.positive]
    assert weights == sorted(weights, reverse=True)


def test_the_explanation_does_not_repeat_parts_of_an_ngram() -> None:
    verdict = ModelVerdict(0.5, tuple(Contribution(t, w) for t, w in [
        ("ung dung", 0.4), ("ung", 0.3), ("ung dung ngan", 0.2), ("dung ngan", 0.15),
        ("du lieu", 0.1)]), (Contribution("khach", -0.2), Contribution("khach hang", -0.1)))
    assert verdict.describe(top=5) == ("for: 'ung dung' +0.40, 'dung ngan' +0.15, "
                                       "'du lieu' +0.10; against: 'khach' -0.20")


def test_a_custom_topic_without_a_model_is_decided_by_its_rules(tmp_path: Path) -> None:
    path = tmp_path / "topics.toml"
    path.write_text(CUSTOM.format(model=""), encoding="utf-8")
    topics = load_topics(path)
    assert topics[0].model is None
    verdict = classify(*OUTAGE, topics)
    assert verdict.relevant and verdict.topic == "vneid"
    assert verdict.probability is None and verdict.evidence is None
    assert "model" not in verdict.explain()


def test_a_copied_topics_file_finds_the_bundled_model(tmp_path: Path) -> None:
    path = tmp_path / "topics.toml"
    path.write_text(CUSTOM.format(model='model = "relevance_model.json"'), encoding="utf-8")
    topics = load_topics(path)
    assert topics[0].model is not None and topics[0].model.path == MODEL.resolve()
    assert not classify(*OUTAGE, topics).relevant  # the model gates this topic too


def test_a_model_beside_the_topics_file_wins(tmp_path: Path) -> None:
    data = json.loads(MODEL.read_text("utf-8"))
    data["threshold"] = 0.05
    (tmp_path / "relevance_model.json").write_text(json.dumps(data), encoding="utf-8")
    path = tmp_path / "topics.toml"
    path.write_text(CUSTOM.format(model='model = "relevance_model.json"'), encoding="utf-8")
    topics = load_topics(path)
    assert topics[0].model is not None and topics[0].model.threshold == 0.05
    assert classify(*OUTAGE, topics).relevant


@pytest.mark.parametrize("write, message", [
    (None, "model file not found"),
    (lambda text: text[: len(text) // 2], "not valid JSON"),
    (lambda text: text.replace(f'"threshold": {load_model(MODEL).threshold}', '"threshold": 2'),
     "between 0 and 1"),
    (lambda text: text.replace('"format": "provwatch-relevance-model/1"', '"format": "x"'),
     "not a relevance model"),
    # one weight changed: the check texts no longer score as trained
    (lambda text: text.replace('"du lieu": [', '"du lieu": [0.5, 9.0], "x": ['), "check"),
])
def test_a_missing_or_corrupted_model_is_a_clear_error(tmp_path: Path, write, message: str
                                                       ) -> None:
    model = tmp_path / "broken.json"
    if write is not None:
        model.write_text(write(MODEL.read_text("utf-8")), encoding="utf-8")
    path = tmp_path / "topics.toml"
    path.write_text(CUSTOM.format(model=f'model = "{model}"'), encoding="utf-8")
    with pytest.raises(TopicModelError) as caught:
        load_topics(path)
    text = str(caught.value)
    assert str(path) in text and "(id='vneid')" in text and "key 'model'" in text
    assert str(model) in text and message in text
    assert isinstance(caught.value, TopicFileError)  # the CLI's handling of topics errors
    assert isinstance(caught.value, ModelFileError)


def test_a_relative_model_found_nowhere_names_both_places(tmp_path: Path) -> None:
    path = tmp_path / "topics.toml"
    path.write_text(CUSTOM.format(model='model = "nope.json"'), encoding="utf-8")
    with pytest.raises(TopicModelError) as caught:
        load_topics(path)
    text = str(caught.value)
    assert "'nope.json': model file not found" in text
    assert str(tmp_path.resolve() / "nope.json") in text
    assert str(bundled_model_dir().resolve() / "nope.json") in text


def test_a_model_key_must_be_a_path(tmp_path: Path) -> None:
    path = tmp_path / "topics.toml"
    path.write_text(CUSTOM.format(model="model = 3"), encoding="utf-8")
    with pytest.raises(TopicFileError, match="key 'model' must be the path of a model file"):
        load_topics(path)


def test_the_scorer_reproduces_the_training_probabilities() -> None:
    data = json.loads(MODEL.read_text("utf-8"))
    model = load_model(MODEL)
    assert len(data["checks"]) >= 3
    for check in data["checks"]:
        got = model.score(check["title"], check["lead"], check["body"]).probability
        assert abs(got - check["probability"]) < 1e-9
    assert MODEL.stat().st_size < 400_000
    assert set(data["meta"]["trained_on"]) >= {"real_dx", "real_hard_negative", "written_dx"}


def test_text_typed_without_diacritics_scores_alike() -> None:
    model = load_model(MODEL)
    accented = model.score(*DX).probability
    plain = model.score(*(fold(part) for part in DX)).probability
    assert plain == pytest.approx(accented, abs=1e-12)


def test_the_model_reads_the_opening_only_and_no_numbers() -> None:
    tok = Tokenizer(ngram_max=2, folded=True, opening=40)
    document = tok.document("Tiêu đề", "Mở đầu.", "Mở đầu.\n" + "x " * 100 + "đuôi")
    assert "đuôi" not in document and document.count("Mở đầu.") == 1
    grams = tok.grams("Lúc 14h30, Sở TT&TT (ảnh: TTXVN) số hóa 5G: https://a.gov.vn/b")
    assert "luc" in grams and "so hoa" in grams
    assert not any(ch.isdigit() for g in grams for ch in g)
    assert "ttxvn" not in grams and "gov" not in grams
    assert "luc so" not in grams  # n-grams do not cross a comma or a dropped number
