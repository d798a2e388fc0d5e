from __future__ import annotations

import pytest

from dedup.extract.boilerplate import classify, is_prose
from dedup.textops import shadow

PROSE = (
    "当前全球疫情形势依然严峻，中小微企业发展的外部环境错综复杂，不确定、不稳定的因素也明显增加，"
    "尤其是二季度以来，中小微企业面临的一些新情况不断出现。"
)


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("蜀ICP備08000062號-1 技術支持:華企資訊", "licence"),
        ("京公网安备 11010202007567号京ICP备17054264号", "licence"),
        ("互联网新闻信息服务许可证 10120180014增值电信业务经营许可证B2-20181903", "licence"),
        ("Copyright 2012 All Rights Reserved", "copyright"),
        (
            "版權聲明:凡注明“來源:中國西藏網”或“中國西藏網文”的所有作品,版權歸高原(北京)文化傳播有限公司。"
            "任何媒體轉載、摘編、引用,須注明來源中國西藏網和署著作者名,否則將追究相關法律責任。",
            "copyright",
        ),
        ("24小时排行 一周排行", "sidebar"),
        ("Relevant keywords:", "sidebar"),
        ("中國西藏網 > 即時新聞 > 時政", "breadcrumb"),
        ("您所在的位置: 网站九游会·J9 > 财经频道 > 宏观经济 > 正文", "spam"),
        ("- 央視調研:外貿大批訂單轉移2021-09-09", "dated_link"),
        ("電話:028-87686079 028-87686039 傳真:028-87686079", "contact"),
        ("• 電  話:0592-6372630", "contact"),
        ("加入收藏 在線留言 聯系我們", "widget"),
        ("上一篇：两岸青年创业交流营开营", "pager"),
        ("觀看工信部又啟動兩項專項行動推動中小企業高質量發展視頻", "video"),
        ("发表时间:2021-09-16 10:26:44 作者: 来源:纺织服装周刊", "meta"),
        ("2024-07-05 21:00  来源:证券日报网", "meta"),
        ("(编辑 王江浩)", "meta"),
        (
            "免费A级毛片无码 | 五十路熟妇 | 日韩亚洲欧美 | 亚洲不卡无码av | 夜夜添无码试看",
            "link_farm",
        ),
        ("九游会·J9 - 中国官方网站 真人游戏第一品牌", "spam"),
        (".news-body p{margin:0 0 24px;line-height:1.8}", "code"),
        ("#top-bar .logo a:hover{color:#c00 !important;}", "code"),
        ("(function(){", "code"),
        ("var slot = document.createElement('script');", "code"),
        ("slot.src = '//ads.example.com/js/slot_2019.js';", "code"),
        ("document.body.appendChild(slot);", "code"),
        ("})();", "code"),
        ("new PageVideo({", "code"),
        ("cover: '//img.example.com/v/123.jpg', //封面小图", "code"),
        (
            "好物抢先体验，更有达人分享使用心得，快来某某众测参与吧！下载客户端还能领取专享福利哦！",
            "promo",
        ),
        ("每日科技快讯 （微信搜索exampletech或扫描二维码关注）", "promo"),
        (
            "新品免费试用开始报名啦，名额有限先到先得，心动就来戳一戳吧~https://example.com/a/1",
            "promo",
        ),
        ("本文来自某某电脑网", "meta"),
        ("某某新闻记者 张三 李四", "meta"),
        ("新华社记者王五、赵六", "meta"),
        ("来源 某某晚报", "meta"),
        ("图片来源：某某图库", "meta"),
    ],
)
def test_boilerplate_lines(line: str, kind: str) -> None:
    assert classify(shadow(line)) == kind


@pytest.mark.parametrize(
    "line",
    [
        "聚焦 | 工信部:引导企业专精特新发展",
        "四方面支持",
        PROSE,
        "工信部又启动两项专项行动推动中小企业高质量发展",
        "该公司表示，用户下载客户端后即可查看本次活动的全部规则，活动将持续到本月底，届时将公布获奖名单。",
        'Man: "What in the world is that?"',
        "Shares rose 3% (to $41) after the report; analysts said demand held up in every region.",
        "记者探访灾后重建一线",
        "微信搜索功能全面升级",
    ],
    ids=[
        "headline-with-bar",
        "subheading",
        "prose",
        "headline",
        "app-mentioned-once",
        "dialogue",
        "english-sentence",
        "headline-about-reporters",
        "headline-about-an-app",
    ],
)
def test_article_lines_are_not_boilerplate(line: str) -> None:
    assert classify(shadow(line)) is None


def test_prose_needs_length_and_sentence_punctuation() -> None:
    assert is_prose(shadow(PROSE))
    assert not is_prose(shadow("工信部又启动两项专项行动推动中小企业高质量发展"))
    english = " ".join(["word"] * 30) + "."
    assert is_prose(english)
