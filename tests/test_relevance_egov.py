"""E-government told in its own words, how-tos without a how-to title, and online Q&A
sessions (issue 21, fresh-2's errors). Short Vietnamese stories written for these tests,
judged by the rules alone (the model beside them is tested in test_relevance_model.py)."""

from __future__ import annotations

import dataclasses

import pytest

from crawler.analysis.relevance import EGOV_LABEL, Classification, Topic, classify, load_topics

# DX words in the body, as a feature explainer or a session's report would hold them
DX_BODY = (
    "Theo kế hoạch, các giải pháp phục vụ xây dựng chính quyền số, kinh tế số và xã hội số: "
    "nền tảng số dùng chung, dịch vụ công trực tuyến toàn trình.\n"
    "Chuyển đổi số được xác định là nhiệm vụ trọng tâm; người dân dùng chữ ký số và thanh "
    "toán không dùng tiền mặt."
)


def _rules(**changes: tuple[str, ...]) -> list[Topic]:
    return [dataclasses.replace(t, model=None, **changes) for t in load_topics()]


def _frameless(key: str) -> list[Topic]:
    return [dataclasses.replace(t, model=None, frame=dataclasses.replace(t.frame, **{key: ()}))
            for t in load_topics()]


def _dx(verdict: Classification) -> bool:
    return verdict.relevant and verdict.topic == "dx"


# stories of the e-government years: no "chuyển đổi số", a state body or sector at work
EGOV = [
    ("Triển khai hệ thống thông tin quản lý hộ tịch",
     "Sở Tư pháp vừa đưa vào sử dụng hệ thống thông tin quản lý hộ tịch tại tất cả các xã.",
     "Cán bộ tư pháp được tập huấn trước khi vận hành."),
    ("Ngành bảo hiểm mở rộng giao dịch điện tử với doanh nghiệp",
     "Sau ba tháng, hệ thống giao dịch điện tử của BHXH tỉnh đã có 2.000 đơn vị đăng ký sử "
     "dụng.",
     "Doanh nghiệp không phải đến trụ sở nộp tờ khai."),
    ("Tỉnh và nhà mạng hợp tác về viễn thông, CNTT",
     "UBND tỉnh và một tập đoàn viễn thông ký thỏa thuận hợp tác về công nghệ thông tin "
     "giai đoạn 2015-2020.",
     "Hai bên sẽ khảo sát hạ tầng mạng của các sở."),
]


def test_egov_wording_with_a_state_actor_is_dx_and_named() -> None:
    for title, lead, body in EGOV:
        verdict = classify(title, lead, lead + "\n" + body, _rules())
        assert _dx(verdict), title
        assert EGOV_LABEL in verdict.explain()
        # without its lists the same story is not flagged: the reading does it
        off = classify(title, lead, lead + "\n" + body,
                       _rules(egov_objects=(), egov_actions=()))
        assert not _dx(off), title


def test_egov_objects_without_a_state_actor_or_action_are_not_dx() -> None:
    # a firm's own information system, no state body or sector named
    lead = "Một cửa hàng thời trang thuê người viết phần mềm bán hàng riêng cho mình."
    verdict = classify("Cửa hàng nhỏ và hệ thống thông tin khách hàng", lead,
                       lead + "\nChủ cửa hàng nói doanh số tăng.", _rules())
    assert not _dx(verdict)


def test_a_lead_instructing_an_individual_is_a_howto() -> None:
    lead = ("Trước khi thêm thẻ bảo hiểm vào ứng dụng VNeID, người dân cần kiểm tra hồ sơ đã "
            "được duyệt.")
    verdict = classify("", lead, lead + "\n" + DX_BODY, _rules())
    assert not _dx(verdict)
    assert any("howto" in p and "người dân cần" in p for p in verdict.penalties)
    assert _dx(classify("", lead, lead + "\n" + DX_BODY, _frameless("howto_leads")))


def test_a_feature_explained_to_an_individual_is_a_howto() -> None:
    lead = "Ví giấy tờ số là một tiện ích được tích hợp vào ứng dụng VNeID cho mỗi công dân."
    assert not _dx(classify("", lead, lead + "\n" + DX_BODY, _rules()))
    assert _dx(classify("", lead, lead + "\n" + DX_BODY, _frameless("howto_leads")))


def test_a_state_body_instructing_people_stays_dx() -> None:
    lead = ("UBND tỉnh yêu cầu từ tháng 7, người dân cần nộp hồ sơ đất đai qua cổng dịch vụ "
            "công trực tuyến.")
    assert _dx(classify("Tỉnh đưa thủ tục đất đai lên mạng", lead, lead + "\n" + DX_BODY,
                        _rules()))


@pytest.mark.parametrize("title", [
    "Giao lưu trực tuyến về thủ tục thuế điện tử cho hộ kinh doanh",
    "Talkshow: hộ kinh doanh hỏi, chuyên gia đáp về thuế điện tử",
])
def test_an_online_qa_session_or_talk_show_is_not_dx(title: str) -> None:
    lead = ("Cục Thuế tỉnh tổ chức giao lưu trực tuyến trên cổng thông tin điện tử, trả lời "
            "câu hỏi của người nộp thuế.")
    verdict = classify(title, lead, lead + "\n" + DX_BODY, _rules())
    assert not _dx(verdict)
    assert any("format" in p for p in verdict.penalties)
    assert _dx(classify(title, lead, lead + "\n" + DX_BODY, _frameless("formats")))
