"""Whose story is it (issue 21, crawler/analysis/storyframe.py): a firm at its own business,
a foreign setting and a how-to for an individual are not DX news, whatever DX words they
hold; a province's deal with a vendor, a province learning abroad and a state body's
decision told as a how-to still are. Short Vietnamese stories written for these tests,
judged by the rules alone (the model beside them is tested in test_relevance_model.py)."""

from __future__ import annotations

import dataclasses

import pytest

from crawler.analysis.relevance import Classification, Topic, classify, load_topics
from crawler.analysis.storyframe import FrameLists, Names, StoryFrame
from crawler.core.text import fold

# the DX words every story below carries in its body: without a reading of who acts and
# where, each of them is flagged
DX_BODY = (
    "Theo kế hoạch, các giải pháp phục vụ xây dựng chính quyền số, kinh tế số và xã hội số: "
    "nền tảng số dùng chung, trung tâm giám sát điều hành thông minh, dịch vụ công trực "
    "tuyến toàn trình.\n"
    "Chuyển đổi số được xác định là nhiệm vụ trọng tâm; dữ liệu được kết nối, chia sẻ giữa "
    "các hệ thống, người dân dùng chữ ký số và thanh toán không dùng tiền mặt."
)


def _rules() -> list[Topic]:
    return [dataclasses.replace(t, model=None) for t in load_topics()]


def _judge(title: str, lead: str, body: str = DX_BODY) -> Classification:
    return classify(title, lead, lead + "\n" + body, _rules())


def _without(key: str) -> list[Topic]:
    """The bundled topics (rules alone) with one of the story lists emptied."""
    return [dataclasses.replace(t, model=None, frame=dataclasses.replace(t.frame, **{key: ()}))
            for t in load_topics()]


# -- a firm at its own business --------------------------------------------------------------
PITCH = ("FPT giới thiệu giải pháp chuyển đổi số cho tỉnh Hưng Yên",
         "Tại ngày hội chuyển đổi số của tỉnh, FPT giới thiệu các giải pháp chính quyền số, "
         "y tế thông minh và bộ giải pháp cho doanh nghiệp.")


def test_a_vendor_pitching_its_products_is_not_dx() -> None:
    verdict = _judge(*PITCH)
    assert not verdict.relevant
    explained = verdict.explain()
    assert "firm_subject: 'FPT' opens the title and 'giới thiệu' its own wares" in explained
    assert "score x0.1" in explained
    # the mechanism, not the words, refused it
    assert classify(PITCH[0], PITCH[1], PITCH[1] + "\n" + DX_BODY, _without("firms")).relevant


def test_a_firm_with_no_state_body_in_title_or_lead_is_not_dx() -> None:
    title = "Tập đoàn Cisco sẽ triển khai các mô hình hợp tác chuyển đổi số mới với Việt Nam"
    lead = "Cisco sẽ đưa các thế mạnh công nghệ của mình vào chuyển đổi số, kinh tế số."
    verdict = _judge(title, lead)
    assert not verdict.relevant
    assert "firm_subject: 'Tập đoàn Cisco' opens the title and no state body" \
        in verdict.explain()
    assert classify(title, lead, lead + "\n" + DX_BODY, _without("firms")).relevant


@pytest.mark.parametrize("title, lead", [
    ("Viettel hỗ trợ tỉnh Khánh Hòa chuyển đổi số",
     "Viettel sẽ tư vấn, hỗ trợ tỉnh Khánh Hòa xây dựng chính quyền số, triển khai mạng 5G."),
    ("FPT đồng hành chuyển đổi số toàn diện cho Bến Tre",
     "Tập đoàn FPT sẽ hỗ trợ tỉnh Bến Tre thúc đẩy chính quyền số, kinh tế số, xã hội số."),
    ("UBND tỉnh Lạng Sơn ký kết hợp tác chuyển đổi số với Viettel",
     "UBND tỉnh Lạng Sơn và Viettel ký thỏa thuận triển khai các nền tảng số dùng chung."),
    ("Bắc Ninh và VNPT ký kết thỏa thuận chuyển đổi số",
     "Hai bên sẽ phối hợp xây dựng trung tâm dữ liệu và nền tảng số của tỉnh."),
    ("Viettel Hà Giang đưa chuyển đổi số về các thôn vùng cao",
     "Nhân viên Viettel Hà Giang về từng thôn hướng dẫn bà con kích hoạt định danh điện tử."),
])
def test_a_province_vendor_agreement_stays_dx(title: str, lead: str) -> None:
    verdict = _judge(title, lead)
    assert verdict.relevant, verdict.explain()
    assert "firm_subject" not in verdict.explain()


def test_a_person_of_a_firm_speaking_is_not_a_firm_subject() -> None:
    verdict = _judge("CEO FPT: Chuyển đổi số của các trường chính trị cần đi trước",
                     "Tại hội nghị chuyển đổi số của hệ thống trường chính trị, CEO FPT "
                     "chia sẻ kinh nghiệm.")
    assert "firm_subject" not in verdict.explain()


def test_company_forms_need_a_name() -> None:
    names = Names(["Tập đoàn *", "* Group"])
    assert [m.text for m in names.find("Tập đoàn Cisco hợp tác")] == ["Tập đoàn Cisco"]
    assert names.find("Tiếp các tập đoàn tài chính hàng đầu") == []
    assert [m.text for m in names.find("Masan Group công bố")] == ["Masan Group"]
    assert names.find("nhóm group chat") == []


def test_a_state_bank_is_not_a_firm() -> None:
    frame = StoryFrame(FrameLists(firms=("Ngân hàng *",), state_actors=("Ngân hàng Nhà nước",),
                                  firm_actions=("ra mắt",)))
    assert frame.reasons("Ngân hàng Nhà nước ra mắt hệ thống thanh toán số", "") == []
    assert [r.kind for r in frame.reasons("Ngân hàng Quân đội ra mắt ứng dụng mới", "")] \
        == ["firm_subject"]


# -- a foreign setting -----------------------------------------------------------------------
ABROAD = ("Kinh nghiệm chuyển đổi số tại E-xtô-ni-a",
          "E-xtô-ni-a là quốc gia ở Bắc Âu, một trong những xã hội điện tử tiên tiến nhất; "
          "chính phủ số của nước này phục vụ 99% dịch vụ công trực tuyến.")


def test_a_foreign_countrys_dx_is_not_dx() -> None:
    verdict = _judge(*ABROAD)
    assert not verdict.relevant
    assert "foreign: 'E-xtô-ni-a' in the title is the setting" in verdict.explain()
    assert classify(ABROAD[0], ABROAD[1], ABROAD[1] + "\n" + DX_BODY,
                    _without("foreign_places")).relevant


def test_a_foreign_government_is_not_a_home_state_body() -> None:
    verdict = _judge("Chuyển đổi số quốc gia cho Sierra Leone",
                     "Chính phủ Sierra Leone ký thỏa thuận thúc đẩy chuyển đổi số quốc gia.")
    assert not verdict.relevant
    assert "foreign: 'Sierra Leone'" in verdict.explain()


def test_a_province_learning_abroad_stays_dx() -> None:
    verdict = _judge("Học tập kinh nghiệm chuyển đổi số tại Xin-ga-po",
                     "Đoàn công tác tỉnh Lào Cai tìm hiểu mô hình chính quyền số để áp dụng "
                     "cho tỉnh.")
    assert verdict.relevant, verdict.explain()
    assert "foreign" not in verdict.explain()


# -- a how-to for an individual --------------------------------------------------------------
HOWTO = ("Cách tra cứu hộ khẩu điện tử",
         "Muốn tra cứu hộ khẩu điện tử trên cơ sở dữ liệu quốc gia về dân cư, người dân cần "
         "mã số bảo hiểm xã hội và tài khoản định danh điện tử.")


def test_a_how_to_for_an_individual_is_not_dx() -> None:
    verdict = _judge(*HOWTO)
    assert not verdict.relevant
    assert "howto: 'Cách tra cứu' opens the title" in verdict.explain()
    # its lead ("người dân cần …") instructs an individual too: both readings emptied
    neither = [dataclasses.replace(t, frame=dataclasses.replace(t.frame, howto_leads=()))
               for t in _without("howto")]
    assert classify(HOWTO[0], HOWTO[1], HOWTO[1] + "\n" + DX_BODY, neither).relevant


def test_a_question_of_an_individual_is_not_dx() -> None:
    title = "Làm căn cước gắn chip nửa năm, khi nào nhận được?"
    lead = "Tôi làm căn cước gắn chip đã 6 tháng, tài khoản định danh điện tử vẫn chưa kích hoạt."
    verdict = _judge(title, lead)
    assert not verdict.relevant
    assert "howto: the title asks 'khi nào nhận được'" in verdict.explain()
    assert classify(title, lead, lead + "\n" + DX_BODY, _without("howto_questions")).relevant


def test_a_state_bodys_decision_told_as_a_how_to_stays_dx() -> None:
    verdict = _judge("Cách nộp hồ sơ cấp phép xây dựng trực tuyến toàn trình",
                     "UBND tỉnh Phú Thọ vừa ban hành quyết định đưa thủ tục cấp phép xây dựng "
                     "lên dịch vụ công trực tuyến toàn trình từ ngày 1/8.")
    assert verdict.relevant, verdict.explain()
    assert "howto" not in verdict.explain()


@pytest.mark.parametrize("title", [
    "Cách đây 5 năm, Hà Giang bắt đầu chuyển đổi số cấp xã",
    "Hỏi – đáp: Tích hợp giấy phép lái xe vào VNeID như thế nào?",
])
def test_titles_that_only_look_like_a_how_to(title: str) -> None:
    frame = load_topics()[0]._index.story
    assert [r for r in frame.reasons(title, "") if r.kind == "howto"] == []


def _plain(text: str) -> str:
    """Typed without diacritics, capitals kept."""
    return "".join(fold(c).upper() if c.isupper() else fold(c) for c in text)


def test_text_typed_without_diacritics_is_read_alike() -> None:
    verdict = classify(_plain(PITCH[0]), _plain(PITCH[1]), _plain(PITCH[1] + "\n" + DX_BODY),
                       _rules())
    assert not verdict.relevant
    assert "firm_subject: 'FPT' opens the title and 'gioi thieu'" in verdict.explain()
