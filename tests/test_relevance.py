"""The topic classifier: labelled sets, look-alikes, folding, abbreviations, topic files."""

from __future__ import annotations

import json
import math
import unicodedata
from pathlib import Path

import pytest

from crawler.analysis.relevance import TopicFileError, classify, load_topics

DATA = Path(__file__).parent / "data"


def _items(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text("utf-8").splitlines()]


def _dx(title: str, text: str) -> bool:
    verdict = classify(title, text.split("\n")[0], text)
    return verdict.relevant and verdict.topic == "dx"


def _one(text: str, title: str = "Tin địa phương"):  # lead = body = one paragraph
    return classify(title, text, text)


def test_labelled_set_reaches_precision_and_recall_target() -> None:
    # Only the set the rules were written against is held to the target. The holdout
    # (written after the rules were frozen) is reported by benchmarks/relevance.py: asserting
    # on it would invite tuning to it and it would stop being held out.
    tp = fp = fn = 0
    for item in _items("relevance_labelled.jsonl"):
        got = _dx(item["title"], item["text"])
        tp += got and item["label"]
        fp += got and not item["label"]
        fn += (not got) and item["label"]
    assert tp / (tp + fp) >= 0.97, f"precision {tp / (tp + fp):.3f}"
    assert tp / (tp + fn) >= 0.97, f"recall {tp / (tp + fn):.3f}"


def test_labelled_set_is_balanced_and_covers_the_traps() -> None:
    items = _items("relevance_labelled.jsonl")
    assert len(items) >= 48
    assert 0.45 <= sum(i["label"] for i in items) / len(items) <= 0.55
    notes = " ".join(i["note"] for i in items)
    for trap in ("cơ cấu cây trồng", "cơ cấu vật nuôi", "mục đích sử dụng đất", "năng lượng",
                 "chuyển đổi xanh", "giao thông xanh", "chuyển đổi nghề", "passing mention",
                 "số liệu", "số lượng", "no diacritics", "only 'CĐS'", "NFD", "IOC",
                 "VNeID", "Đề án 06", "chữ ký số", "DVCTT", "sổ đỏ"):
        assert trap in notes, trap
    nfd = [i for i in items if "NFD" in i["note"]]
    assert nfd and all(unicodedata.is_normalized("NFD", i["text"]) for i in nfd)
    seen = {i["title"] for i in items}
    for name in ("relevance_holdout.jsonl", "relevance_holdout3.jsonl",
                 "relevance_holdout4.jsonl", "relevance_holdout5.jsonl",
                 "relevance_holdout6.jsonl", "relevance_holdout7.jsonl",
                 "relevance_holdout8.jsonl", "relevance_holdout9.jsonl"):
        holdout = _items(name)
        assert len(holdout) >= 10 and sum(i["label"] for i in holdout) * 2 == len(holdout)
        assert not [i["title"] for i in holdout if i["title"] in seen], name
        seen |= {i["title"] for i in holdout}


# -- folding, NFD, spelling ------------------------------------------------------------------
def test_text_without_diacritics_and_nfd_score_like_nfc() -> None:
    title, lead = "Chuyển đổi số ở Huế", "Huế đẩy mạnh chuyển đổi số và chính quyền số."
    plain = classify(title, lead, lead)
    folded = classify("Chuyen doi so o Hue", "Hue day manh chuyen doi so va chinh quyen so.",
                      "Hue day manh chuyen doi so va chinh quyen so.")
    nfd = classify(*(unicodedata.normalize("NFD", t) for t in (title, lead, lead)))
    assert plain.relevant and plain.score == folded.score == nfd.score
    assert folded.matched[:2] == nfd.matched[:2] == ["chuyển đổi số", "chính quyền số"]


def test_folded_look_alike_spelling_is_not_the_term() -> None:
    verdict = _one("Người dân được chuyển đổi sổ đỏ sang mẫu giấy chứng nhận mới.")
    assert not verdict.relevant and verdict.matched == []
    assert any("'chuyển đổi sổ'" in p and "spelt differently" in p for p in verdict.penalties)


def test_single_word_terms_need_their_diacritics(tmp_path: Path) -> None:
    path = tmp_path / "topics.toml"
    path.write_text('[[topics]]\nid = "x"\nname = "X"\nthreshold = 1\n'
                    '[topics.terms]\n"sổ" = 1\n', encoding="utf-8")
    topics = load_topics(path)
    assert classify("", "Cấp sổ cho hộ dân", "", topics).matched == ["sổ"]
    for text in ("Cap so cho ho dan", "Con số ấn tượng", "Không sợ khó"):
        assert classify("", text, "", topics).matched == [], text


# -- abbreviations ---------------------------------------------------------------------------
def test_abbreviations_are_case_sensitive_whole_words() -> None:
    verdict = _one("Ban Chỉ đạo CĐS tỉnh họp, thống nhất vận hành IOC.", "Hội nghị CĐS quý I")
    assert verdict.relevant and {"CĐS", "IOC"} <= set(verdict.matched)
    for text in ("Dự án biocompost và ioc.", "Mã CĐSX12 và IOCS được cấp.",
                 "Hội nghị cds, Ioc, vneid."):
        assert _one(text, "Tin").matched == [], text


def test_cds_without_stroke_counts_only_in_text_typed_without_diacritics() -> None:
    unaccented = _one("Ban chi dao CDS tinh hop phien thu nhat.", "Hoi nghi CDS")
    assert unaccented.relevant and "CĐS" in unaccented.matched
    accented = _one("Quỹ CDS của ngân hàng được tái cơ cấu trong năm nay.", "Tài chính")
    assert "CĐS" not in accented.matched


def test_de_an_06_vneid_and_dvctt_count_without_chuyen_doi_so() -> None:
    verdict = _one("Công an tỉnh kích hoạt tài khoản VNeID theo Đề án 06; DVCTT tăng.")
    assert verdict.relevant and {"Đề án 06", "VNeID", "DVCTT"} <= set(verdict.matched)


# -- look-alikes and guards ------------------------------------------------------------------
@pytest.mark.parametrize("phrase", [
    "chuyển đổi cơ cấu cây trồng", "chuyển đổi cơ cấu vật nuôi",
    "chuyển đổi mục đích sử dụng đất", "chuyển đổi năng lượng", "chuyển đổi xanh",
    "chuyển đổi giao thông xanh", "chuyển đổi nghề"])
def test_look_alikes_are_neutralised_and_named(phrase: str) -> None:
    verdict = _one(f"Tỉnh đẩy mạnh {phrase} số lượng lớn trong năm nay.", phrase.capitalize())
    assert not verdict.relevant and verdict.score == 0
    assert any(f"look-alike {phrase!r}" in p for p in verdict.penalties)


def test_look_alike_next_to_dx_keeps_the_dx() -> None:
    verdict = _one("Tỉnh thúc đẩy chuyển đổi số gắn với chuyển đổi xanh.", "Hai chuyển đổi")
    assert verdict.relevant and verdict.matched[0] == "chuyển đổi số"
    assert any("chuyển đổi xanh" in p for p in verdict.penalties)


@pytest.mark.parametrize("text", [
    "Cục Thống kê chuyển đổi số liệu sang định dạng mới.",
    "Đơn vị chuyển đổi số lượng lớn xe công.",
    "Nhà mạng chuyển đổi số thuê bao 11 số sang 10 số.",
    "Các trường chuyển đổi số điểm IELTS sang thang điểm 10.",
    "Sau hai năm chuyển đổi số hộ nghèo giảm còn 45 hộ.",
    "Cuc Thong ke chuyen doi so lieu sang dinh dang moi.",
])
def test_guard_words_after_so_cancel_the_term(text: str) -> None:
    verdict = _one(text, "Tin tổng hợp")
    assert "chuyển đổi số" not in verdict.matched and not verdict.relevant
    assert any("followed by" in p for p in verdict.penalties)


@pytest.mark.parametrize("text", [
    "Ban Chỉ đạo chuyển đổi số Hà Tĩnh họp phiên thứ nhất.",
    "Quảng Ninh đẩy mạnh chuyển đổi số du lịch.",
    "Tổ công tác chuyển đổi số hỗ trợ người dân.",
    "Tỉnh đẩy mạnh chuyển đổi số, số liệu cho thấy nhiều tiến bộ.",
])
def test_ordinary_words_after_so_do_not_cancel_the_term(text: str) -> None:
    verdict = _one(text, "Tin tổng hợp")
    assert verdict.relevant and "chuyển đổi số" in verdict.matched


# -- weighting ---------------------------------------------------------------------------
def test_title_counts_three_times_lead_twice_body_once() -> None:
    sentence = "Tỉnh phát triển chính quyền số."
    filler = "Người dân tham gia lễ hội đầu xuân."
    in_title = classify(sentence, filler, filler)
    in_lead = classify("Tin địa phương", sentence, sentence)
    in_body = classify("Tin địa phương", filler, f"{filler}\n{sentence}\n{sentence}")
    points = {v.hits[0].where: v.hits[0].points for v in (in_title, in_lead, in_body)}
    assert points["title"] == 9.0 and points["lead"] == 6.0
    assert points["body"] == round(3.0 * (1 + math.log(2)), 2)


def test_lead_repeated_at_the_start_of_the_body_is_counted_once() -> None:
    lead = "Tỉnh đẩy mạnh chuyển đổi số."
    rest = "Người dân hài lòng với thủ tục mới."
    with_lead = classify("Tin", lead, f"{lead}\n{rest}")
    without = classify("Tin", lead, rest)
    assert with_lead.score == without.score
    assert [h.where for h in with_lead.hits if h.term == "chuyển đổi số"] == ["lead"]


def test_passing_mention_scores_below_threshold() -> None:
    lead = "Sáng 10/5, huyện khánh thành cầu treo dân sinh bắc qua suối."
    story = (f"{lead}\nCây cầu giúp hơn 500 hộ dân đi lại an toàn trong mùa mưa lũ, nhất là học "
             "sinh. Lãnh đạo huyện cho biết sẽ đẩy mạnh chuyển đổi số trong quản lý công trình, "
             "ứng dụng phần mềm theo dõi trực tuyến và cập nhật dữ liệu.")
    passing = classify("Khánh thành cầu dân sinh", lead, story)
    assert not passing.relevant and passing.score < passing.threshold
    assert passing.score == (3.0 + 4 * 0.5) / 2  # one strong term, supporting vocabulary cap
    assert any("passing mention" in p for p in passing.penalties)
    twice = classify("Khánh thành cầu dân sinh", lead,
                     story + " Chuyển đổi số giúp quản lý bảo trì cầu kịp thời.")
    assert twice.score > passing.score and not any("passing" in p for p in twice.penalties)


def test_sparse_mentions_in_a_long_article_are_scaled_down() -> None:
    filler = " ".join(["Sản lượng lúa vụ đông xuân tăng so với cùng kỳ năm trước."] * 80)
    lead = "Kinh tế tỉnh tăng trưởng khá trong 9 tháng."
    dense = classify("Báo cáo", lead, f"{lead}\nChuyển đổi số và kinh tế số được đẩy mạnh.")
    sparse = classify("Báo cáo", lead,
                      f"{lead}\n{filler}\nChuyển đổi số và kinh tế số được đẩy mạnh.")
    assert dense.relevant and not sparse.relevant and sparse.score < dense.score
    assert any(p.startswith("sparse:") for p in sparse.penalties)


def test_supporting_vocabulary_counts_only_beside_a_strong_term() -> None:
    weak = _one("Xã họp bàn kế hoạch năm mới, cập nhật dữ liệu lên internet và CNTT.")
    assert weak.score == 0 and weak.hits == []
    # dense everyday digital words in the headline are the practice rule's case, not support
    dense = _one("UBND xã ứng dụng phần mềm trực tuyến, cập nhật dữ liệu lên internet và CNTT.")
    assert [h.term.split(" (")[0] for h in dense.hits] == ["thực hành số"]
    strong = _one("Xã ứng dụng phần mềm trực tuyến trong chuyển đổi số, kết nối internet "
                  "qua cáp quang.")
    support = [h for h in strong.hits if h.points == 0.5]
    assert len(support) == 4  # five supporting terms, capped at +2
    assert strong.score == 6.0 + 4 * 0.5 and strong.matched[0] == "chuyển đổi số"


# -- topics are data -------------------------------------------------------------------------
def test_bundled_file_ships_dx_and_a_second_topic() -> None:
    topics = load_topics()
    assert [t.id for t in topics][:1] == ["dx"] and "an-toan-thong-tin" in [t.id for t in topics]
    verdict = classify("Diễn tập an toàn thông tin năm 2024",
                       "Tỉnh tổ chức diễn tập ứng cứu sự cố tấn công mạng.",
                       "Tỉnh tổ chức diễn tập ứng cứu sự cố tấn công mạng.\nMã độc được phát hiện.")
    assert verdict.relevant and verdict.topic == "an-toan-thong-tin"
    assert verdict.topic_name == "An toàn thông tin" and set(verdict.per_topic) >= {"dx"}


def test_custom_topic_file_from_a_path(tmp_path: Path) -> None:
    custom = tmp_path / "topics.toml"
    custom.write_text('[[topics]]\nid = "ocop"\nname = "OCOP"\nthreshold = 3\n'
                      'lookalikes = ["sản phẩm ocop giả"]\n'
                      '[topics.terms]\n"sản phẩm ocop" = 2\n'
                      '"chương trình ocop" = { weight = 2, not_followed_by = ["cũ"] }\n',
                      encoding="utf-8")
    topics = load_topics(str(custom))
    verdict = classify("Thêm 20 sản phẩm OCOP", "Tỉnh công nhận sản phẩm OCOP.", "x", topics)
    assert verdict.relevant and verdict.topic == "ocop" and verdict.matched == ["sản phẩm ocop"]
    assert list(verdict.per_topic) == ["ocop"]
    guarded = classify("Tin", "Sửa chương trình OCOP cũ.", "", topics)
    assert guarded.matched == []


_OK = 'id = "x"\nname = "X"\nthreshold = 3\n'


@pytest.mark.parametrize(("body", "index", "message"), [
    ('[[topics]]\nname = "X"\nthreshold = 3\n[topics.terms]\n"a b" = 1\n', 0,
     "missing required key 'id'"),
    ('[[topics]]\nid = "x"\nname = "X"\n[topics.terms]\n"a b" = 1\n', 0,
     "missing required key 'threshold'"),
    (f'[[topics]]\n{_OK}', 0, "key 'terms'"),
    ('[[topics]]\nid = "x"\nname = "X"\nthreshold = -1\n[topics.terms]\n"a b" = 1\n', 0,
     "key 'threshold' must be a positive number"),
    ('[[topics]]\nid = "x"\nname = "X"\nthreshold = "high"\n[topics.terms]\n"a b" = 1\n', 0,
     "key 'threshold' must be a positive number"),
    (f'[[topics]]\n{_OK}colour = 1\n[topics.terms]\n"a b" = 1\n', 0, "unknown key 'colour'"),
    (f'[[topics]]\n{_OK}supporting = "web"\n[topics.terms]\n"a b" = 1\n', 0,
     "key 'supporting' must be a list"),
    (f'[[topics]]\n{_OK}[topics.terms]\n"a b" = "heavy"\n', 0,
     "key 'terms': term 'a b': weight must be a positive number"),
    (f'[[topics]]\n{_OK}[topics.terms]\n"a b" = {{ weight = 1, after = [] }}\n', 0,
     "key 'terms': term 'a b': unknown key 'after'"),
    (f'[[topics]]\n{_OK}[topics.abbreviations]\n"C D" = 1\n', 0,
     "key 'abbreviations': term 'C D'"),
    (f'[[topics]]\n{_OK}practice_words = 0\n[topics.terms]\n"a b" = 1\n', 0,
     "key 'practice_words' must be a whole number >= 1"),
    (f'[[topics]]\n{_OK}practice_label = 3\n[topics.terms]\n"a b" = 1\n', 0,
     "key 'practice_label' must be a non-empty string"),
    (f'[[topics]]\n{_OK}off_subject = "lừa đảo"\n[topics.terms]\n"a b" = 1\n', 0,
     "key 'off_subject' must be a list"),
    (f'[[topics]]\n{_OK}[topics.terms]\n"a b" = 1\n[[topics]]\n{_OK}[topics.terms]\n"c d" = 1\n',
     1, "key 'id' repeats"),
])
def test_malformed_topic_file_names_file_topic_and_key(tmp_path: Path, body: str, index: int,
                                                       message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(TopicFileError) as err:
        load_topics(path)
    text = str(err.value)
    assert str(path) in text and f"topics[{index}]" in text and message in text, text
    if "id = " in body:
        assert "(id='x')" in text


def test_unreadable_topic_files_name_the_file(tmp_path: Path) -> None:
    for name, body in (("broken.toml", "[[topics]\n"), ("empty.toml", "")):
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        with pytest.raises(TopicFileError, match=str(path)):
            load_topics(path)
    with pytest.raises(TopicFileError, match="not found"):
        load_topics(tmp_path / "missing.toml")


# -- explanation -----------------------------------------------------------------------------
def test_explain_names_decision_terms_places_and_penalties() -> None:
    verdict = classify("Lào Cai khai trương IOC",
                       "Tỉnh khai trương trung tâm IOC, không liên quan chuyển đổi xanh.",
                       "Tỉnh khai trương trung tâm IOC, không liên quan chuyển đổi xanh.\n"
                       "Dịch vụ công trực tuyến được kết nối.")
    text = verdict.explain()
    assert text.startswith("RELEVANT") and f"threshold {verdict.threshold:.2f}" in text
    assert all(hit.where in ("title", "lead", "body") for hit in verdict.hits)
    for hit in verdict.hits:
        assert f"{hit.term!r} in {hit.where} x{hit.count}: +{hit.points:.2f}" in text
    assert "'IOC' in title" in text and "'dịch vụ công trực tuyến' in body" in text
    assert "penalty: look-alike 'chuyển đổi xanh'" in text
    assert verdict.matched[0] == "IOC"  # highest contribution first
    assert classify("Lễ hội", "Lễ hội đầu xuân.", "").explain().startswith("not relevant")


def test_topic_named_as_one_item_of_an_agenda_list_is_a_passing_mention() -> None:
    lead = ("Ban Chấp hành Đảng bộ tỉnh khai mạc hội nghị, thảo luận tình hình kinh tế - xã "
            "hội, thu ngân sách, cải cách hành chính, chuyển đổi số và công tác cán bộ.")
    body = (f"{lead}\nTăng trưởng kinh tế 9 tháng đạt 8,1%, thu ngân sách vượt dự toán.\n"
            "Hội nghị cho ý kiến vào dự thảo văn kiện đại hội nhiệm kỳ tới.")
    agenda = classify("Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 15", lead, body)
    assert not agenda.relevant
    assert any("one item of a list of" in p for p in agenda.penalties)
    assert any("passing mention" in p for p in agenda.penalties)
    assert [(h.where, h.points) for h in agenda.hits if h.term == "chuyển đổi số"] == [
        ("lead", 3.0)]  # body weight, not the lead's 2x


def test_a_list_of_topic_terms_is_about_the_topic() -> None:
    lead = ("Tỉnh đặt mục tiêu phát triển chính quyền số, kinh tế số, xã hội số và nâng cao "
            "kỹ năng số cho người dân.")
    listed = classify("Kế hoạch năm 2026", lead, lead)
    assert listed.relevant and not any("list of" in p for p in listed.penalties)
    short = "Hội nghị bàn về thu ngân sách, đầu tư công và chuyển đổi số."  # three items
    assert not any("list of" in p for p in classify("Hội nghị", short, short).penalties)
    # decimal commas are not list separators: 1,2 / 3,5 / 8,1 do not make this a list
    figures = ("Chuyển đổi số giúp tỉnh tiết kiệm 1,2 tỷ đồng, rút ngắn 3,5 ngày xử lý hồ sơ "
               "và tăng 8,1% hồ sơ trực tuyến.")
    counted = classify("Kết quả năm 2026", figures, figures)
    assert not any("list of" in p for p in counted.penalties)


def test_digitisation_counts_but_not_a_number_of_invoices_or_chemicals() -> None:
    digitised = _one("Sở Tư pháp hoàn thành số hóa 2 triệu trang sổ hộ tịch lưu trữ.",
                     title="Số hóa hơn 2 triệu trang hồ sơ hộ tịch")
    assert digitised.relevant and "số hóa" in digitised.matched
    for title, text in (
            ("Thu giữ số hóa chất không rõ nguồn gốc",
             "Công an thu giữ số hóa chất không rõ nguồn gốc tại kho hàng."),
            ("Kiểm tra số hóa đơn bán hàng của hộ kinh doanh",
             "Đoàn kiểm tra đối chiếu số hóa đơn bán hàng của 30 hộ kinh doanh.")):
        verdict = _one(text, title=title)
        assert "số hóa" not in verdict.matched, title
        assert not verdict.relevant, title


def test_paying_by_qr_code_is_a_cashless_payment_term() -> None:
    verdict = _one("Tiểu thương chợ trung tâm treo mã QR tại quầy, khách quét mã chuyển khoản.",
                   title="Tiểu thương làm quen thanh toán bằng mã QR")
    assert verdict.relevant and "thanh toán bằng mã QR" in verdict.matched


@pytest.mark.parametrize(("title", "text"), [
    ("Đà Nẵng vận hành cổng dữ liệu mở", "Thành phố công bố 400 bộ dữ liệu mở cho doanh nghiệp."),
    ("Kỳ họp HĐND tỉnh dùng phòng họp không giấy",
     "Đại biểu nhận tài liệu điện tử trên máy tính bảng thay cho bản in."),
    ("Bệnh viện tỉnh khám chữa bệnh từ xa cho trạm y tế xã",
     "Bác sĩ tuyến tỉnh hội chẩn từ xa qua đường truyền hình ảnh với trạm y tế xã."),
    ("Hải Phòng gắn địa chỉ số cho 300.000 hộ dân",
     "Mỗi hộ có một mã địa chỉ số trên bản đồ số của thành phố."),
])
def test_dx_concepts_written_without_the_phrase_chuyen_doi_so(title: str, text: str) -> None:
    verdict = _one(text, title=title)
    assert verdict.relevant and verdict.topic == "dx", verdict.matched


def test_a_supporting_abbreviation_inside_a_supporting_phrase_counts_once() -> None:
    text = "Tiểu thương treo mã QR, thanh toán không dùng tiền mặt."
    verdict = classify("Chợ 4.0: tiểu thương dùng mã QR", text, text)
    supporting = [h.term for h in verdict.hits if h.points == 0.5]
    assert supporting == ["mã QR"], supporting


def test_a_story_told_in_everyday_digital_words_is_raised_to_the_threshold() -> None:
    title = "Xe buýt nội thành: quẹt thẻ, quét mã thay cho vé giấy"
    lead = "Từ tháng 10, hành khách đi xe buýt có thể quẹt thẻ hoặc quét mã QR để trả tiền vé."
    body = (lead + "\nVé điện tử được thanh toán bằng chuyển khoản qua ứng dụng ngân hàng."
            "\nHành khách theo dõi vị trí xe trên ứng dụng, cập nhật tự động từng phút.")
    verdict = classify(title, lead, body)
    assert verdict.relevant and verdict.topic == "dx"
    practice = [h for h in verdict.hits if h.term.startswith("thực hành số")]
    assert len(practice) == 1 and practice[0].where == "title+lead" and practice[0].count >= 4
    assert "thực hành số" in verdict.explain()


def test_everyday_digital_words_alone_do_not_make_a_story() -> None:
    # a cue in the headline, but too few digital words in the whole story
    title = "Ngân hàng giảm lãi suất, khách hàng đăng ký vay qua ứng dụng"
    lead = "Chi nhánh giảm 0,5 điểm phần trăm lãi suất cho vay sản xuất nông nghiệp."
    assert not classify(title, lead, lead + "\nMức giảm áp dụng đến hết năm.").relevant
    # many digital words, but none in the title or lead
    lead = "Mưa lớn kéo dài khiến nhiều tuyến đường trong tỉnh bị ngập sâu."
    body = (lead + "\nNgười dân theo dõi cảnh báo trên ứng dụng, camera và cảm biến đo mưa tự "
            "động gửi dữ liệu về trung tâm.")
    assert not classify("Mưa lớn gây ngập nhiều tuyến đường", lead, body).relevant


def test_a_team_topic_names_its_own_practice(tmp_path: Path) -> None:
    path = tmp_path / "topics.toml"
    path.write_text(
        '[[topics]]\nid = "nuoc"\nname = "Nước sạch"\nthreshold = 5\n'
        'practice = ["đồng hồ nước", "hóa đơn tiền nước", "áp lực nước"]\n'
        'practice_words = 2\npractice_label = "dịch vụ nước"\n'
        '[topics.terms]\n"nước sạch" = 3\n', encoding="utf-8")
    lead = "Công ty thay đồng hồ nước cho 500 hộ, hóa đơn tiền nước gửi qua tin nhắn."
    verdict = classify("Thay đồng hồ nước cho 500 hộ", lead, lead, load_topics(path))
    assert verdict.relevant and verdict.matched[0].startswith("dịch vụ nước (đồng hồ nước")


def test_a_strong_term_short_of_the_threshold_counts_as_practice_evidence() -> None:
    # "bệnh án điện tử" once in the body scores a passing mention; with the everyday cue in
    # the lead it is the fourth distinct digital phrase that raises the story
    title = "Khám bệnh ở trạm y tế xã không cần mang sổ"
    lead = "Người bệnh chỉ cần đưa thẻ căn cước, nhân viên quét mã là thông tin hiện ra."
    body = (lead + "\nTrạm đã dùng bệnh án điện tử cho bệnh nhân ngoại trú."
            "\nĐơn thuốc được liên thông lên tuyến trên, người bệnh được hẹn lịch tái khám.")
    verdict = classify(title, lead, body)
    assert verdict.relevant and verdict.topic == "dx", verdict.explain()
    practice = next(h for h in verdict.hits if h.term.startswith("thực hành số"))
    assert "bệnh án điện tử" in practice.term and practice.count == 4


def test_a_title_about_a_crime_takes_the_headline_weight_from_dx_words() -> None:
    lead = ("Nhiều người nhận cuộc gọi yêu cầu cập nhật định danh điện tử mức 2 rồi cài một "
            "ứng dụng theo đường link được gửi.")
    body = (lead + "\nSau khi cài ứng dụng, điện thoại bị chiếm quyền điều khiển và tiền trong "
            "tài khoản bị chuyển đi.\nCông an đề nghị người dân báo ngay khi nhận cuộc gọi lạ.")
    scam = classify("Cảnh báo thủ đoạn giả danh công an đòi cập nhật định danh điện tử",
                    lead, body)
    assert not (scam.relevant and scam.topic == "dx"), scam.explain()
    assert any("another subject (giả danh" in p for p in scam.penalties)
    assert all(h.where == "title+lead" for h in scam.hits if h.term == "định danh điện tử")
    # the same words under a title about the service itself are DX news
    news = classify("Hướng dẫn người dân cập nhật định danh điện tử mức 2", lead, body)
    assert news.relevant and news.topic == "dx", news.explain()


def test_a_crime_title_turns_the_practice_rule_off() -> None:
    title = "Triệt phá đường dây cá độ bóng đá qua mạng"
    lead = "Các đối tượng lập trang web, nhận tiền qua chuyển khoản và quản lý trên phần mềm."
    body = lead + "\nNgười chơi đặt cược trên điện thoại, dữ liệu lưu trên máy chủ ở nước ngoài."
    verdict = classify(title, lead, body)
    assert not any(h.term.startswith("thực hành số") for h in verdict.hits), verdict.explain()
    assert not (verdict.relevant and verdict.topic == "dx")


# -- what the story is about: other subjects, the actor at work, page chrome ----------------
def test_an_outage_named_in_the_lead_is_another_subject() -> None:
    lead = ("Tối 28/8, nhiều người không thể đăng nhập ứng dụng định danh điện tử VNeID, "
            "màn hình báo lỗi kết nối.")
    body = lead + "\nNhiều tài khoản VNeID chờ hàng giờ vẫn chưa vào được định danh điện tử."
    verdict = classify("Nhiều người phản ánh về ứng dụng VNeID tối qua", lead, body)
    assert not (verdict.relevant and verdict.topic == "dx"), verdict.explain()
    assert any("another subject (" in p and "outage: không thể đăng nhập" in p and "x0.25" in p
               for p in verdict.penalties), verdict.penalties


def test_a_company_s_results_are_another_subject() -> None:
    lead = ("Tập đoàn công nghệ báo doanh thu 9 tháng tăng 20%, lợi nhuận trước thuế đạt 6.000 "
            "tỷ đồng nhờ mảng chuyển đổi số cho khách hàng nước ngoài.")
    body = (lead + "\nDoanh thu từ dịch vụ chuyển đổi số tại thị trường Nhật Bản tăng 30%."
            "\nMảng chuyển đổi số đóng góp một nửa lợi nhuận.")
    verdict = classify("Tập đoàn công nghệ báo lãi lớn", lead, body)
    assert not (verdict.relevant and verdict.topic == "dx"), verdict.explain()
    assert any("business: lợi nhuận" in p for p in verdict.penalties)
    assert "'chuyển đổi số' in lead+body" in verdict.explain()  # the lead weighs as body


def test_a_public_actor_at_work_overrules_a_subject_that_is_not_firm() -> None:
    lead = ("UBND tỉnh triển khai nền tảng số dùng chung cho các xã, theo mô hình học tập "
            "từ Hàn Quốc.")
    verdict = classify("Tỉnh xây dựng chính quyền số theo kinh nghiệm Hàn Quốc", lead, lead)
    assert verdict.relevant and verdict.topic == "dx", verdict.explain()
    assert not any("another subject" in p for p in verdict.penalties)
    assert verdict.subject == "tỉnh + xây dựng + chính quyền số (title)"
    assert "subject (actor + action + topic word): tỉnh + xây dựng" in verdict.explain()
    # without the actor the foreign angle counts against the story
    other = classify("Kinh nghiệm chính quyền số của Hàn Quốc",
                     "Chính quyền số tại Hàn Quốc phục vụ người dân suốt 24 giờ.", "")
    assert any("abroad: Hàn Quốc" in p for p in other.penalties), other.explain()


def test_a_scam_is_not_overruled_by_the_police_actor() -> None:
    lead = ("Công an tỉnh hướng dẫn người dân kích hoạt tài khoản định danh điện tử đúng cách, "
            "cảnh báo thủ đoạn gọi điện yêu cầu cài ứng dụng VNeID giả.")
    verdict = classify("Công an tỉnh lên tiếng về tài khoản định danh điện tử", lead, lead)
    assert verdict.subject is not None and verdict.subject.startswith("Công an tỉnh")
    assert any("crime: thủ đoạn" in p for p in verdict.penalties), verdict.explain()
    assert not (verdict.relevant and verdict.topic == "dx")


def test_the_practice_rule_needs_an_actor_at_work() -> None:
    title = "Giới trẻ đổ xô quay video đăng TikTok, Facebook"
    lead = ("Nhiều bạn trẻ quay video trên điện thoại, đăng lên mạng xã hội và nhận chuyển "
            "khoản tiền quảng cáo.")
    verdict = classify(title, lead, lead)
    assert not any(h.term.startswith("thực hành số") for h in verdict.hits), verdict.explain()
    assert not verdict.relevant and verdict.subject is None
    framed = classify(title, lead, lead + "\nUBND phường hướng dẫn tiểu thương quét mã "
                      "thanh toán, ứng dụng phần mềm quản lý bán hàng trên điện thoại.")
    assert framed.relevant and framed.subject is not None, framed.explain()


def test_a_passing_mention_and_site_chrome_do_not_make_a_practice_story() -> None:
    # issue 17 item 7: the site's name in the title, a share bar and a link list are chrome
    lead = "Sáng 20/12, UBND tỉnh tổ chức hội nghị tổng kết công tác năm 2025."
    body = (lead + "\nNăm qua, tỉnh đẩy mạnh chuyển đổi số, tăng trưởng kinh tế đạt 8%, thu "
            "ngân sách vượt dự toán.\nChia sẻ: Facebook Zalo Email\nTrang thông tin | Liên hệ "
            "| Sơ đồ website")
    verdict = classify("Hội nghị tổng kết năm 2025 - Cổng thông tin điện tử tỉnh", lead, body)
    assert not verdict.relevant, verdict.explain()
    assert any("site name 'Cổng thông tin điện tử tỉnh' in the title" in p
               for p in verdict.penalties)
    assert any("passing mention" in p for p in verdict.penalties)
    # a practice cue in the lead itself: the chrome lines still do not add to its count
    online = classify("Hội nghị tổng kết năm 2025",
                      lead.replace("hội nghị", "hội nghị trực tuyến"),
                      body.replace("hội nghị", "hội nghị trực tuyến"))
    assert not online.relevant, online.explain()
    assert not any(h.term.startswith("thực hành số") for h in online.hits)


def test_a_title_without_a_site_name_keeps_its_last_part() -> None:
    verdict = classify("Chuyển đổi số - động lực phát triển", "Tỉnh tổ chức hội thảo.", "")
    assert not any("site name" in p for p in verdict.penalties)
    assert "'chuyển đổi số' in title" in verdict.explain()


@pytest.mark.parametrize(("body", "message"), [
    (f'[[topics]]\n{_OK}other_subjects = ["x"]\n[topics.terms]\n"a b" = 1\n',
     "key 'other_subjects' must be a table"),
    (f'[[topics]]\n{_OK}[topics.terms]\n"a b" = 1\n[topics.other_subjects]\ncrime = "x"\n',
     "key 'other_subjects.crime' must be a list"),
    (f'[[topics]]\n{_OK}other_subject_factor = 2\n[topics.terms]\n"a b" = 1\n',
     "key 'other_subject_factor' must be a number above 0, at most 1"),
    (f'[[topics]]\n{_OK}actors = "UBND"\n[topics.terms]\n"a b" = 1\n',
     "key 'actors' must be a list"),
])
def test_malformed_subject_keys_are_named(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(TopicFileError, match=message):
        load_topics(path)


# the kinds of story issue 21 found flagged: DX words in a story about something else
@pytest.mark.parametrize(("subject", "title", "lead"), [
    ('crime: ransomware', 'Website công ty chứng khoán bị ransomware tấn công',
     'Nền tảng số và ứng dụng giao dịch của công ty ngừng trệ ba ngày, khách hàng chờ đợi.'),
    ('outage: ngừng hoạt động', 'Ứng dụng mua sắm thông báo ngừng hoạt động từ tháng 12',
     'Sàn thương mại điện tử sẽ đóng lại, người bán chuyển sang các nền tảng số khác.'),
    ('award: trao giải', 'Trao giải cuộc thi ảnh báo chí năm 2025',
     'Ban tổ chức trao giải Nhất cho loạt ảnh về chuyển đổi số ở vùng cao.'),
    ('biography: sinh năm', 'Tiểu sử tân Phó Chủ tịch UBND tỉnh',
     'Ông Nguyễn Văn A sinh năm 1975, từng là Giám đốc Sở phụ trách chuyển đổi số và '
     'chính quyền số.'),
    ('policy_list: chính sách mới', 'Từ tháng 7, người dân cần biết những điều này',
     'Nhiều chính sách mới có hiệu lực, trong đó người dân dùng VNeID thay giấy tờ khi đi '
     'khám bệnh.'),
])
def test_stories_about_something_else_are_not_dx(subject: str, title: str, lead: str) -> None:
    verdict = classify(title, lead, lead)
    assert not (verdict.relevant and verdict.topic == "dx"), verdict.explain()
    label = subject.split(":")[0]
    assert any("another subject (" in p and f"{label}: " in p for p in verdict.penalties), \
        verdict.penalties


def test_a_long_clause_before_a_list_is_not_one_of_its_items() -> None:
    lead = ("Bộ Công an tập trung xây dựng cơ sở dữ liệu quốc gia về dân cư để đưa vào vận hành "
            "trong năm nay, bảo đảm an toàn, an ninh thông tin, bí mật nhà nước, bí mật cá nhân.")
    verdict = classify("", lead, lead)
    assert not any("one item of a list" in p for p in verdict.penalties), verdict.explain()
    assert [(h.where, h.points) for h in verdict.hits if h.term == "cơ sở dữ liệu quốc gia"] \
        == [("lead", 4.0)]  # the lead's 2x, not a body mention


@pytest.mark.parametrize(("title", "lead"), [
    ("Trung tâm IOC tỉnh phát hiện sự cố giao thông trong vài phút",
     "Camera AI của trung tâm giám sát điều hành thông minh tự động báo sự cố về cho lực "
     "lượng chức năng."),
    ("Sau sáp nhập, dịch vụ công trực tuyến của xã không gián đoạn",
     "UBND xã mới vận hành cổng dịch vụ công trực tuyến thông suốt, người dân nộp hồ sơ "
     "không gián đoạn."),
    ("Người cao tuổi không thể sử dụng điện thoại được đoàn viên cầm tay chỉ việc",
     "Đoàn viên phường hướng dẫn người cao tuổi kích hoạt tài khoản định danh điện tử và "
     "dùng dịch vụ công trực tuyến."),
])
def test_dx_stories_that_use_outage_words_in_their_own_sense(title: str, lead: str) -> None:
    verdict = classify(title, lead, lead)
    assert verdict.relevant and verdict.topic == "dx", verdict.explain()
    assert not any("another subject" in p for p in verdict.penalties)


@pytest.mark.parametrize(("title", "lead"), [
    ("Tỉnh chính thức ra mắt ứng dụng công dân số",
     "UBND tỉnh chính thức ra mắt ứng dụng công dân số, tích hợp 40 dịch vụ công trực tuyến."),
    ("Hỗ trợ smartphone cho hộ nghèo dùng dịch vụ công",
     "Sở Thông tin và Truyền thông hỗ trợ 500 smartphone để hộ nghèo dùng dịch vụ công "
     "trực tuyến và thanh toán không dùng tiền mặt."),
])
def test_a_public_actor_launching_a_service_is_not_a_product_launch(title: str,
                                                                    lead: str) -> None:
    verdict = classify(title, lead, lead)
    assert verdict.relevant and verdict.topic == "dx", verdict.explain()
    assert verdict.subject is not None and not any("product" in p for p in verdict.penalties)


def test_a_cooperative_earning_more_through_digital_sales_is_not_business_news() -> None:
    lead = ("Hợp tác xã bán hàng qua sàn thương mại điện tử và livestream, lợi nhuận tăng gấp "
            "đôi nhờ chuyển đổi số.")
    verdict = classify("Hợp tác xã tăng lợi nhuận nhờ chuyển đổi số", lead, lead)
    assert verdict.relevant and verdict.topic == "dx", verdict.explain()
    assert verdict.subject is not None and not any("business" in p for p in verdict.penalties)


def test_the_dot_of_a_number_does_not_end_the_subject_sentence() -> None:
    lead = ("Công ty cấp thoát nước lắp đặt 18.400 đồng hồ nước thông minh, chỉ số gửi tự động "
            "về hệ thống mỗi giờ.")
    verdict = classify("Đồng hồ nước mới ở Đà Lạt", lead, lead)
    assert verdict.subject == "cấp thoát nước + lắp đặt + thông minh (lead)", verdict.explain()
