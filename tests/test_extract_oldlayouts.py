"""Page shapes of older and unusual themes that lost body text (issue 17, real-page corpus).

Each test is a small page of our own making in the shape a real page had: paragraphs that
each carry a photo, a how-to set beside its photos in table rows, a content zone whose id
names the print area, a photo story told in short captions, a feedback form under the body.
"""

from __future__ import annotations

from crawler.analysis.extract import extract_page

URL = "https://baohagiang.vn/doi-song/lam-banh-ngay-8-3-2041.html"
TITLE = "Cách làm bánh trái tim tặng mẹ và cô giáo ngày 8/3"
PARAS = [
    "Chiếc bánh trái tim tự làm là món quà nhỏ nhưng ý nghĩa mà các bạn học sinh có thể chuẩn "
    "bị tặng mẹ và cô giáo nhân ngày Quốc tế Phụ nữ.",
    "Trước hết, trộn bột mì với trứng gà và một chút nước ấm cho dễ nhào, chia bột làm hai phần "
    "rồi pha màu đỏ vào một phần.",
    "Cán mỏng bột rồi dùng khuôn dập thành hình trái tim, ấn thêm những trái tim nhỏ màu đỏ lên "
    "mặt bánh để trang trí.",
    "Nướng bánh ở 160 độ trong khoảng mười phút, khi bánh chín thì phết sô-cô-la trắng lên một "
    "mặt và ghép hai nửa lại với nhau.",
]

INTRO = ("Không cần lò nướng chuyên dụng hay dụng cụ đắt tiền, chỉ với bột mì, trứng gà, màu "
         "thực phẩm và một thanh sô-cô-la trắng, các bạn đã có thể tự tay làm những chiếc bánh "
         "xinh xắn trong bếp của gia đình. Cả nhà cùng làm sẽ vui hơn, và mẹ chắc chắn sẽ bất "
         "ngờ khi nhận được món quà do chính tay con mình làm ra.")


def page(inner: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{TITLE}</title></head>"
            f"<body><div class='logo'><img src='/logo.png'></div><div class='detail'>"
            f"<h1>{TITLE}</h1>{inner}</div>"
            "<div class='copyright'>Báo Hà Giang điện tử. Giấy phép số 98/GP-BTTTT</div>"
            "</body></html>")


def lines(html: str) -> list[str]:
    return extract_page(html, URL).text.split("\n")


def test_paragraphs_that_each_carry_a_photo_are_not_captions_in_cascade() -> None:
    # a photo alone, its centred caption, then body paragraphs that each hold a photo and
    # their text under it (centred, as the theme styles the whole column): removing the
    # caption must not make the next paragraph a caption, and so on down the page
    centred = "style='text-align: center'"
    inner = (f"<p>{PARAS[0]}</p><p {centred}><img src='/a/1.jpg'></p>"
             f"<p {centred}><em>Nguyên liệu làm bánh</em></p>"
             + "".join(f"<p {centred}><img src='/a/{i}.jpg'><br><em>{text}</em></p>"
                       for i, text in enumerate(PARAS[1:], 2)))
    assert lines(page(inner)) == PARAS


def test_steps_set_beside_their_photos_in_table_rows_are_body() -> None:
    # a how-to laid out as one small table per step: the photo in the left cell, the step's
    # heading and text in the right cell of the same row; a real caption sits in the row
    # under a photo and still goes
    steps = "".join(
        f"<table width='100%'><tr><td><p align='center'><img src='/a/{i}.jpg'></p></td>"
        f"<td><p><strong>Bước {i}:</strong></p><p>{text}</p></td></tr></table>"
        for i, text in enumerate(PARAS[1:], 1))
    caption = ("<table class='image'><tr><td><img src='/a/9.jpg'></td></tr>"
               "<tr><td>Chiếc bánh hoàn thành</td></tr></table>")
    got = lines(page(f"<p>{PARAS[0]}</p><p>{INTRO}</p>{steps}{caption}"))
    assert got == [PARAS[0], INTRO, *[x for i, text in enumerate(PARAS[1:], 1)
                                     for x in (f"Bước {i}:", text)]]


def test_a_content_zone_named_for_printing_is_not_a_print_widget() -> None:
    # SharePoint/ASP.NET themes name the article's zone for the print and font-size scripts
    # that act on it (id="print-news"); the page's menus and boxes hold most of its text
    menu = "".join(f"<li><a href='/chuyen-muc/{i}.aspx'>Chuyên mục tin tức số {i} của báo "
                   f"điện tử tỉnh</a></li>" for i in range(40))
    tools = ("<div class='font_sizer'>Cỡ chữ: <a href=\"javascript:ts('print-news',-1)\">A-</a>"
             " <a href=\"javascript:ts('print-news',1)\">A+</a></div>"
             "<div class='share-tools'>Chia sẻ: <a href='https://facebook.com/share'>Facebook"
             "</a></div><div class='print'><a href='javascript:print()'>In bài viết</a></div>")
    zone = ("<div id='print-news'><div class='article-header'><h1 class='mainTitle'>"
            f"{TITLE}</h1></div><div class='article-content'>"
            + "".join(f"<p>{text}</p>" for text in [PARAS[0], INTRO, *PARAS[1:]])
            + "</div></div>")
    html = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{TITLE}</title></head>"
            f"<body><form id='aspnetForm'><ul class='menu'>{menu}</ul>"
            f"<table><tr><td class='tt-left-content'><div class='article'>{tools}{zone}</div>"
            "</td></tr></table></form></body></html>")
    got = lines(html)
    assert got == [PARAS[0], INTRO, *PARAS[1:]]


SHORT_CAPTIONS = [
    "Học sinh lớp 5A nhào bột dưới sự hướng dẫn của cô giáo.",
    "Những chiếc khuôn hình trái tim được chuẩn bị từ hôm trước.",
    "Cô giáo chủ nhiệm kiểm tra từng mẻ bánh trước khi nướng.",
    "Mẻ bánh đầu tiên ra lò sau mười phút nướng ở 160 độ.",
    "Các em gói bánh vào hộp giấy tự trang trí để tặng mẹ.",
    "Buổi học kết thúc bằng tiết mục văn nghệ chào mừng ngày 8/3.",
]


def test_a_photo_story_told_in_short_centred_captions_keeps_them() -> None:
    # a lead, then photos each with a one-line centred caption: the captions are the story,
    # though none is long enough to count as running text on its own
    photos = "".join(f"<p style='text-align:center'><img src='/a/{i}.jpg'></p>"
                     f"<p style='text-align:center'><em>{text}</em></p>"
                     for i, text in enumerate(SHORT_CAPTIONS))
    got = lines(page(f"<p>{PARAS[0]}</p>{photos}"))
    assert got == [PARAS[0], *SHORT_CAPTIONS]


def test_a_report_with_paragraphs_of_its_own_keeps_its_captions_out() -> None:
    # as many photos, but the report's own paragraphs are more than half as long as the
    # captions: an illustrated article, not a photo story
    photos = "".join(f"<p style='text-align:center'><img src='/a/{i}.jpg'></p>"
                     f"<p style='text-align:center'><em>{text}</em></p>"
                     for i, text in enumerate(SHORT_CAPTIONS))
    got = lines(page(f"<p>{INTRO}</p>{photos}"))
    assert got == [INTRO]


def test_the_captions_of_an_article_longer_than_them_stay_out() -> None:
    photos = "".join(f"<p style='text-align:center'><img src='/a/{i}.jpg'></p>"
                     f"<p style='text-align:center'><em>{text}</em></p>"
                     for i, text in enumerate(SHORT_CAPTIONS[:2]))
    got = lines(page(f"<p>{INTRO}</p>{photos}" + "".join(f"<p>{t}</p>" for t in PARAS)))
    assert got == [INTRO, *PARAS]


def test_a_teasers_summary_box_holding_its_headline_link_is_not_the_lead() -> None:
    # a partner site's trending list whose items put the headline link inside a
    # "sapo"-classed box: the lead finder must not take another site's headline for this
    # article's lead
    other = "https://baotintuc.vn/tin"
    trending = "".join(
        f"<li><a class='img' href='{other}/{i}.html'><img src='/t/{i}.jpg'></a>"
        f"<div class='sapo'><h4 class='title'><a href='{other}/{i}.html'>Xã Tân Phú hoàn "
        f"thành số hóa hồ sơ hộ "
        f"tịch số {i} phục vụ người dân</a></h4></div></li>" for i in range(3))
    html = page("".join(f"<p>{t}</p>" for t in [INTRO, *PARAS])) \
        .replace("<div class='copyright'>", f"<div class='hidden'><ul>{trending}</ul></div>"
                 "<div class='copyright'>")
    assert lines(html) == [INTRO, *PARAS]


def test_another_articles_headline_set_as_h1_in_the_body_goes() -> None:
    # the page's title is its h1; a second headline-sized h1 among the paragraphs is a
    # related story's headline pasted into the body
    stray = "<h1><strong>Tỉnh Hà Giang tổ chức hội chợ ẩm thực chào mừng ngày 8/3</strong></h1>"
    body = "".join(f"<p class='cms-text'>{t}</p>" for t in [INTRO, PARAS[0]]) + stray \
        + "".join(f"<p class='cms-text'>{t}</p>" for t in PARAS[1:])
    html = (f"<html><head><meta charset='utf-8'><title>{TITLE}</title></head><body>"
            f"<article class='article'><h1 class='article__title'>{TITLE}</h1>"
            f"<div class='article__body cms-body'><div>{body}</div></div></article>"
            "</body></html>")
    assert lines(html) == [INTRO, *PARAS]


def test_a_feedback_form_under_the_body_is_not_text() -> None:
    # the theme's feedback block: a "GỬI PHẢN HỒI" label, a moderation note, the form
    feedback = ("<div class='GPH-phanhoi'><span>GỬI PHẢN HỒI</span></div><div class='note'>"
                "Báo Hà Giang hoan nghênh ý kiến của bạn đọc. Các ý kiến sẽ được xem xét trước "
                "khi đăng.</div><div><span>Họ tên</span><input name='ten'><span>Ý kiến"
                "</span><textarea></textarea></div>")
    got = lines(page("".join(f"<p>{t}</p>" for t in [INTRO, *PARAS]) + feedback))
    assert got == [INTRO, *PARAS]


HOME = "Trang chủ - Website Sở Tư pháp tỉnh Hà Giang"


def portal(inner: str) -> str:
    # a SharePoint portal that shows the article on its home page: the <title> names the
    # site, the masthead prints the site's name, a box of links comes before the article
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{HOME}</title></head>"
            f"<body><form id='aspnetForm'><h1>Trang thông tin điện tử Sở Tư pháp tỉnh "
            "Hà Giang</h1><table><tr><td class='left'><div class='linkweb-title'>Liên kết "
            "Website của các sở ngành</div><select><option>Cổng thông tin điện tử tỉnh</option>"
            f"</select></td><td>{inner}</td></tr></table></form></body></html>")


def test_a_home_titled_page_takes_the_headline_over_its_first_paragraph() -> None:
    inner = (f"<table id='tableforprint'><tr><td><p class='Title allowMenuPost'>{TITLE}</p>"
             "</td></tr></table>" + "".join(f"<p>{t}</p>" for t in [INTRO, *PARAS]))
    got = extract_page(portal(inner), URL)
    assert got.title == TITLE
    assert got.text.split("\n") == [INTRO, *PARAS]


def test_the_wayback_toolbar_of_an_archived_copy_is_not_the_page() -> None:
    toolbar = ("<div id='wm-ipp-base'><div id='wm-ipp'><span class='wm-title'>Wide Crawl "
               "Number 17: Started August 3rd, 2018 - Still running</span></div></div>")
    inner = (f"<div class='news-title'>{TITLE}</div>"
             + "".join(f"<p>{t}</p>" for t in [INTRO, *PARAS]))
    html = ("<html><head><meta charset='utf-8'><title>Sở Tư pháp tỉnh Hà Giang</title></head>"
            f"<body>{toolbar}<div class='main'>{inner}</div></body></html>")
    got = extract_page(html, URL)
    assert got.title == TITLE
    assert "Wide Crawl" not in got.text


def test_an_article_in_the_row_under_a_web_parts_label_is_kept() -> None:
    # a portal's web part titled "Tin nổi bật" shows the article in the table row under its
    # title row: the label's block ends where the article's row begins
    rows = ("<table class='webpart'><tr class='tr-title'><td>Tin nổi bật</td></tr><tr><td "
            f"class='dv-title'><div><h2>{TITLE}</h2>"
            + "".join(f"<p>{t}</p>" for t in [INTRO, *PARAS]) + "</div></td></tr></table>")
    got = extract_page(portal(rows), URL)
    assert got.text.split("\n") == [INTRO, *PARAS]


def test_a_layout_box_named_widget_that_holds_the_title_and_body_stays() -> None:
    # the theme's column box is classed "columns-widget"; the page's menus and boxes hold
    # more text than the article; a real widget (a box of links) beside it still goes
    menu = "".join(f"<li><a href='/chuyen-muc/{i}.html'>Chuyên mục tin tức số {i} của nhà "
                   f"trường</a></li>" for i in range(40))
    widget = ("<div class='widget'><h3>Liên kết</h3><ul><li><a href='https://moet.gov.vn'>"
              "Bộ Giáo dục và Đào tạo</a></li></ul></div>")
    html = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{TITLE}</title></head>"
            f"<body><ul class='mainmenu'>{menu}</ul><div class='columns-widget container'>"
            f"<article><h1>{TITLE}</h1><div class='content-detail'>"
            + "".join(f"<p>{t}</p>" for t in [INTRO, *PARAS]) + f"</div></article>{widget}"
            "</div></body></html>")
    assert lines(html) == [INTRO, *PARAS]


def test_a_lead_set_as_a_heading_is_a_paragraph() -> None:
    inner = f"<h3>{INTRO}</h3>" + "".join(f"<p>{t}</p>" for t in PARAS)
    assert lines(page(inner)) == [INTRO, *PARAS]
