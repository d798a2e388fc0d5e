from __future__ import annotations

import pytest

from dedup.batch.pipeline import extract_file as extract_documents
from dedup.extract import extract_document, extract_page
from dedup.models import Document
from dedup.readers.formats import RawPage

from ..conftest import SAMPLES, seed_path


def extract_file(path: str) -> Document:
    documents, skipped = extract_documents(path)
    assert not skipped and len(documents) == 1
    return documents[0]


SEED_METADATA = {
    "000": (
        "聚焦 | 工信部:引導企業專精特新發展",
        "2021-09-16T10:26:44",
        "四川省服装(服饰)行业协会",
        "纺织服装周刊",
    ),
    "001": (
        "Promote the construction of a strong manufacturing country and a network power, and help "
        "build a well-off society in an all-round way",
        "2021-09-16",
        "Jinjiang Deke Textile Co., Ltd",
        None,
    ),
    "002": (
        "工信部又啟動兩項專項行動推動中小企業高質量發展",
        "2023-05-23T08:38",
        "tel:18030129916",
        None,
    ),
    "003": (
        "工信部:加大力度培育专精特新中小企业 大力推进科技创新和产业创新深度融合",
        "2024-07-05T21:00",
        "证券日报网",
        "证券日报网",
    ),
    "004": (
        "我國專精特新“小巨人”企業數量已達1.2萬家",
        "2023-07-28T09:44:00",
        "中国西藏网",
        "央视新闻客户端",
    ),
}


@pytest.mark.parametrize("seed", sorted(SEED_METADATA))
def test_seed_metadata(seed: str) -> None:
    doc = extract_file(str(seed_path(seed)))
    assert (doc.title, doc.published, doc.site, doc.source) == SEED_METADATA[seed]


def test_seed_000_glued_metadata_stays_out_of_the_body_and_pinyin_is_flagged() -> None:
    doc = extract_file(str(seed_path("000")))
    assert doc.body.startswith("今天上午,國務院新聞辦公室舉行新聞發布會")
    assert "瀏覽" not in doc.body and "(yè)" not in doc.body
    assert doc.pinyin_annotated
    assert doc.body.endswith("把品種、品質、品牌“三品”搞上去。")


def test_seed_002_update_time_is_not_the_date() -> None:
    assert extract_file(str(seed_path("002"))).published == "2023-05-23T08:38"


def test_seed_003_people_and_spam() -> None:
    doc = extract_file(str(seed_path("003")))
    assert (doc.editor, doc.reporter) == ("王江浩", "郭冀川")
    assert doc.spam_injected
    assert "九游会" not in doc.body and "版权所有" not in doc.body


def test_seed_004_copyright_notice_is_not_the_source() -> None:
    doc = extract_file(str(seed_path("004")))
    assert doc.source == "央视新闻客户端"
    assert doc.editor == "李雅妮"
    assert "毛片" not in doc.body and "版權聲明" not in doc.body
    assert doc.body.endswith("(總臺央視記者劉軒 王建帆 葉海春)")


def test_sample_footer_navigation_and_editor_line_are_not_body() -> None:
    doc = extract_file(str(SAMPLES / "jiangnan_daily/2025/0312/charging-plan.txt"))
    assert doc.title == "江州市发布充电基础设施三年行动方案 2027年底前建成公共充电桩5万个"
    assert (doc.published, doc.site, doc.source, doc.editor) == (
        "2025-03-12T09:30",
        "江南日报网",
        "江州日报",
        "周敏",
    )
    assert doc.body.startswith("3月12日，江州市发展和改革委员会")
    assert doc.body.endswith("确保新增充电负荷接得上、用得好。")
    for noise in ("相关阅读", "ICP", "分享到", "责任编辑", "首页"):
        assert noise not in doc.body


def test_inline_ads_are_cut_out_of_article_lines() -> None:
    body = "加拿大今年林火碳排放量累计已达2.9亿吨，而由于目前大火仍在燃烧，这一数字还将上升。"
    page = (
        body
        + "广告 为什么这么多人要移民加拿大 ×而从往年数据来看，林火活动一般在每年7到8月才达到顶峰。"
    )
    doc = extract_document(page, "ad.txt")
    assert "广告" not in doc.body and "×" not in doc.body
    assert doc.body.startswith(body)


def test_page_without_prose_falls_back_to_its_longest_line() -> None:
    doc = extract_document(
        "首页\n简讯：江州地铁三号线今日起延长运营时间至23时\n联系我们", "short.txt"
    )
    assert doc.body == "简讯：江州地铁三号线今日起延长运营时间至23时"


def test_page_of_boilerplate_only_has_no_body() -> None:
    doc = extract_document(
        "首页 | 新闻 | 财经 | 体育 | 娱乐\n版权所有 某某网\n京ICP备12345678号", "x"
    )
    assert doc.body == ""


def test_glued_copyright_sentence_is_cut_from_a_long_article_line() -> None:
    article = (
        "合肥市应急管理局日前通报两起违规动火作业事故，两家公司分别被处以罚款，相关责任人被依法追责。"
        "通报要求各企业深刻汲取事故教训，严格落实动火作业审批制度，加强现场安全管理和人员培训，"
        "坚决防范类似事故再次发生。全市将开展为期三个月的专项检查，对违规企业依法从严查处。"
    )
    doc = extract_document(article + "【此文系转载，来源于合肥晚报，版权归属原作者】", "a.txt")
    assert doc.body == article


def test_times_sign_before_a_middle_dot_is_not_mojibake(tmp_path: object) -> None:
    from dedup.readers import repair_mojibake

    text = "原来有这好处 ×·奥坎波，以及其他代表不同党派的部长。" * 3
    assert repair_mojibake(text) == (text, False)


# A plain-text page as a scraper flattens it: headline, the page's style sheet, the site's
# promotion, a credit line, a short lead, the article (a Chinese paragraph that opens with
# Latin names), a short closing sentence, then the ad script.
FLATTENED_PAGE = """           星际手机Nova 5系列终于支持热点共享无线网络
.news-quote{padding:20px 20px 0px;background:url(//img.example.com/quote.png) no-repeat 0 0;}
.news-body p{margin-bottom:30px}
.news-body p a:visited{color: #4b729f !important;}

　　好物抢先体验，更有达人分享使用心得，快来某某众测参与吧！下载客户端还能领取专享福利哦！
本文来自某某电脑网
星际手机的这项更新来得比预期更早。
Tech Home Daily 11月4日消息 Android Police Weekly Review发现，\
星际手机Nova 5系列的热点功能已经获得了进化，可以把已连接的无线网络共享给其他设备，\
而不仅仅是共享蜂窝数据。这项功能并不是系统自带的特性，\
小编测试发现，上一代手机在升级系统后仍然只能共享蜂窝数据。
毕竟，这是用户期待已久的功能。

 (function(){
 var slot = document.createElement('script');
 slot.src = '//ads.example.com/js/slot_2019.js';
 document.getElementsByTagName('head')[0].appendChild(slot);
 })();
"""


def test_style_sheet_script_and_promotion_of_a_text_page_are_neither_title_nor_body() -> None:
    doc = extract_document(FLATTENED_PAGE, "flattened.txt")
    assert doc.title == "星际手机Nova 5系列终于支持热点共享无线网络"
    assert doc.body.startswith("星际手机的这项更新来得比预期更早。\nTech Home Daily 11月4日消息")
    assert doc.body.endswith("毕竟，这是用户期待已久的功能。")
    for noise in ("{", "function", "专享福利", "本文来自", "script"):
        assert noise not in doc.body


def test_a_page_of_one_short_sentence_a_line_keeps_every_sentence() -> None:
    # Only the second line is long enough to read as prose on its own.
    sentences = [
        "一名男子在夜间步行回家时被人用气枪击中。",
        "受害者四十多岁，当时他正在镇上的港口附近，胸部、腹部和手部都受了伤，已被送往医院。",
        "警方称这是一起随机袭击。",
        "受害者没有看到袭击者。",
        "警方正在寻找目击证人。",
    ]
    doc = extract_document("港口镇男子遭气枪袭击\n\n" + "\n".join(sentences) + "\n", "a.txt")
    assert doc.title == "港口镇男子遭气枪袭击"
    assert doc.body.split("\n") == sentences


def test_a_lead_without_a_full_stop_under_the_date_line_is_body_not_headline() -> None:
    lead = "新型疫苗可以让免疫系统识别异常细胞并将其清除研究人员在实验室里改造了患者的免疫细胞"
    body = "改造后的细胞重新注入患者体内，试验在多种癌症患者身上都取得了良好的效果，引起关注。"
    header = "首页 > 国际\n新型疫苗让免疫系统识别异常细胞\n发布时间：2019-03-12 来源：示例网\n"
    page = f"{header}{lead}\n{body}\n"
    doc = extract_document(page, "a.txt")
    assert doc.title == "新型疫苗让免疫系统识别异常细胞"
    assert doc.body.split("\n") == [lead, body]


def test_a_text_page_is_extracted_with_its_language() -> None:
    text = "江州市发布方案\n" + "江州市今天发布充电基础设施三年行动方案。" * 3
    plain = RawPage("a.txt", "a.txt", text, "text", "utf-8")
    stated = RawPage("b.txt", "b.txt", text, "text", "utf-8", title="江州方案")
    assert extract_page(plain).lang == extract_page(stated).lang == "zh"
    assert extract_page(stated).title == "江州方案"
    assert extract_document(text, "a.txt").lang is None
    assert extract_document(text, "a.txt", "a.txt", language=True) == extract_page(plain)
