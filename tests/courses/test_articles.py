from courses.documents import split_articles
from courses.documents.articles import outline
from school.numerals import chinese_to_int, int_to_chinese

BODY = """（2023年12月19日中共中央发布）

第一编　总　则

第一章  指导思想、原则和适用范围

第一条　为维护党的章程和其他党内法规，严肃党的纪律，制定本条例。

第二条本条例以马克思列宁主义为指导。
党组织和党员必须自觉遵守党章。

第二章 违纪与纪律处分

第一节 一般规定

第十二条
党员受到开除党籍处分，五年内不得重新入党。

第十二条之一 依照本条例第十二条规定处理。
第十条规定的情形，依照前款处理。

**第三章 附则**

笫一百零五条 本条例自发布之日起施行。
"""


def test_it_converts_chinese_numerals_both_ways() -> None:
    for number in [1, 9, 10, 11, 12, 20, 100, 101, 105, 110, 119, 999, 1001, 1234]:
        assert chinese_to_int(int_to_chinese(number)) == number
    assert chinese_to_int("一百二十三") == 123
    assert chinese_to_int("十二") == 12
    assert chinese_to_int("两百") == 200
    assert chinese_to_int("12") == 12
    assert chinese_to_int("甲") is None
    assert int_to_chinese(12) == "十二"
    assert int_to_chinese(105) == "一百零五"


def test_it_splits_articles_with_labels_anchors_and_chapters() -> None:
    articles = split_articles(BODY)
    assert [a.label for a in articles] == ["第一条", "第二条", "第十二条", "第十二条之一", "第一百零五条"]
    assert [a.anchor for a in articles] == ["art-1", "art-2", "art-12", "art-12-1", "art-105"]
    assert [a.number for a in articles] == [1, 2, 12, 12, 105]
    assert articles[0].chapter == "第一章 指导思想、原则和适用范围"
    assert articles[0].part == "第一编 总则"
    assert articles[2].chapter == "第二章 违纪与纪律处分"
    assert articles[2].section == "第一节 一般规定"
    assert articles[4].chapter == "第三章 附则"


def test_it_keeps_article_text_and_following_paragraphs() -> None:
    articles = split_articles(BODY)
    assert articles[1].text == "本条例以马克思列宁主义为指导。\n党组织和党员必须自觉遵守党章。"
    assert articles[2].text == "党员受到开除党籍处分，五年内不得重新入党。"
    # A line that starts with a reference to an article is text, not a new article.
    assert articles[3].text.endswith("第十条规定的情形，依照前款处理。")


def test_it_puts_text_before_the_first_article_in_the_preamble() -> None:
    doc = outline(BODY)
    assert doc.preamble == "（2023年12月19日中共中央发布）"
    assert [h.anchor for h in doc.headings] == ["part-1", "ch-1", "ch-2", "sec-1", "ch-3"]
    assert [h.full for h in doc.headings][:2] == ["第一编 总则", "第一章 指导思想、原则和适用范围"]


def test_it_makes_duplicate_anchors_unique() -> None:
    articles = split_articles("第一条 甲。\n第二条 乙。\n第一条 丙。")
    assert [a.anchor for a in articles] == ["art-1", "art-2", "art-1-2"]


def test_it_returns_no_articles_for_plain_text() -> None:
    assert split_articles("各省、自治区、直辖市党委：\n现将有关事项通知如下。") == []
    assert outline("").articles == []
    assert outline("通知如下。").preamble == "通知如下。"


def test_it_handles_arabic_numbers_and_windows_newlines() -> None:
    articles = split_articles("第1条 总则。\r\n第2条 附则。")
    assert [(a.number, a.anchor, a.text) for a in articles] == [(1, "art-1", "总则。"), (2, "art-2", "附则。")]
