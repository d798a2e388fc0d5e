"""Regenerate samples/: articles written for this project, re-posted inside fictional site
templates, with the variations real syndication shows (script, pinyin ruby residue,
truncation, an editor's note and a new headline, heavy boilerplate).

Usage: python scripts/make_samples.py   (then re-pin tests/data/samples_report.csv on purpose)
"""

from __future__ import annotations

import re
from pathlib import Path

import opencc
from pypinyin import Style, pinyin

OUT = Path(__file__).resolve().parent.parent / "samples"
S2TW = opencc.OpenCC("s2tw")

CHARGING = (
    "江州市发布充电基础设施三年行动方案 2027年底前建成公共充电桩5万个",
    [
        "3月12日，江州市发展和改革委员会召开新闻发布会，正式发布《江州市充电基础设施建设三年行动方案（2025—2027年）》。方案提出，到2027年底，全市将累计建成公共充电桩5万个，其中快充桩占比不低于60%，实现城市核心区充电服务半径小于1公里、乡镇充电站全覆盖。",
        "市发展改革委副主任林海涛介绍，截至2024年底，江州市新能源汽车保有量已突破32万辆，同比增长41.5%，但公共充电桩仅有1.8万个，车桩比约为17.8比1，老旧小区“充电难”、高速服务区“排队长”等问题较为突出。为此，方案围绕“建网、补短、提质、强管”四个方面部署了14项重点任务。",
        "在建网方面，江州将结合城市更新行动，在商业综合体、交通枢纽、公共停车场集中布局超级充电站，每年新建集中式充电站不少于120座。在补短方面，将推动既有居住小区按照“统建统服”模式改造，2025年完成300个老旧小区充电设施改造，并在县城和中心镇布设公共充电站。",
        "在提质方面，鼓励运营企业建设光储充一体化站点，推广车网互动技术，引导电动汽车在用电低谷时段充电。在强管方面，全市将建成统一的充电设施监管服务平台，实时监测设备运行状态，对长期故障、无法使用的“僵尸桩”实施清退。",
        "资金保障上，市财政将设立每年2亿元的专项资金，对新建公共快充桩按照每千瓦300元的标准给予建设补贴，对年度考核优秀的运营企业给予运营奖励。林海涛表示，方案实施后，预计每年可带动社会投资约35亿元，新增就业岗位3000余个。",
        "国网江州供电公司有关负责人表示，将开辟充电设施报装“绿色通道”，低压项目办电时间压缩至5个工作日以内，并同步推进配电网扩容改造，确保新增充电负荷接得上、用得好。",
    ],
)
TEA = (
    "云岭省春茶出口量同比增长两成 中欧班列成新通道",
    [
        "记者从云岭省商务厅获悉，今年一季度，全省春茶出口量达到1.26万吨，同比增长21.3%，出口额4.8亿元，同比增长18.7%。其中，对欧盟和中亚国家的出口增幅最为明显，分别增长35.2%和42.6%。",
        "云岭省商务厅对外贸易处处长杨春华介绍，今年春茶开采较往年提前约一周，加之气温适宜、雨水充沛，明前茶品质普遍较好。与此同时，全省茶企加快拓展国际市场，通过参加海外展会、开设境外仓、对接跨境电商平台等方式，订单数量明显增加。",
        "物流通道的改善是出口增长的重要原因。今年2月起，从省会昆安发出的中欧班列开通了茶叶专列，货物从装车到抵达德国杜伊斯堡最快仅需16天，比传统海运节省约20天。“过去一批茶叶运到欧洲要一个多月，现在半个多月就能上架，新茶的风味保留得更好。”一家茶叶进出口企业负责人说。",
        "为保障出口茶叶质量安全，海关部门推行“产地检验、口岸直放”模式，在主要茶区设立检验检疫服务点，帮助企业开展农药残留自检，出口茶叶抽检合格率保持在99.8%以上。",
        "杨春华表示，下一步，云岭省将继续培育茶叶出口龙头企业，支持企业申请国际有机认证和地理标志保护，力争全年茶叶出口额突破20亿元。",
    ],
)
RICE = (
    "抗旱水稻新品种“旱优73”通过国家审定 节水可达五成",
    [
        "近日，由华南农业科学研究院水稻研究所选育的抗旱水稻新品种“旱优73”通过国家农作物品种审定委员会审定，可在南方稻区和西南丘陵地区推广种植。",
        "据介绍，“旱优73”是以节水抗旱稻为母本、优质杂交稻为父本，历经11年选育而成的。区域试验结果显示，该品种平均亩产达到612.4公斤，比对照品种增产6.8%；在全生育期只灌溉三次的条件下，仍能保持正常结实，比常规水稻节水50%左右。此外，该品种米质达到国家优质稻谷标准二级，对稻瘟病表现为中抗。",
        "项目负责人陈明远研究员说，我国南方丘陵地区有大量“望天田”，灌溉条件差，遇到季节性干旱就容易减产甚至绝收。“旱优73”既能像水稻一样在水田种植，也能像旱作物一样在缺水条件下生长，为这些地区稳定粮食生产提供了新选择。",
        "今年，研究团队将在广西、贵州、湖南等地建设10个示范基地，示范面积超过2万亩，同时配套推广“旱管”栽培技术，指导农户合理减少灌溉次数、科学施肥，进一步发挥品种的节水优势。",
    ],
)
SUPERCHARGER = (
    "临港新区首座光储充一体化超级充电站投运",
    [
        "8日上午，临港新区首座光储充一体化超级充电站在滨海大道投入运营。该站占地约4000平方米，共设置60个充电车位，其中液冷超充终端12个，单枪最大功率可达600千瓦，一辆主流电动汽车充电10分钟即可补能约400公里。",
        "充电站顶棚铺设了光伏板，装机容量约350千瓦，配套建设的储能系统容量为1000千瓦时。站点运营方负责人王晓东介绍，储能系统可在夜间低谷时段储电、白天高峰时段放电，既降低了运营成本，也减轻了对周边电网的冲击。预计该站每年可消纳绿电约38万千瓦时，减少二氧化碳排放约300吨。",
        "站内还设置了司机休息室、便利店和自助洗车区。新区交通部门表示，今年还将在物流园区和公交场站新建8座超级充电站，重点满足网约车、出租车和物流车的快速补能需求。",
    ],
)
FESTIVAL = (
    "第十届海峡民俗文化节开幕 两岸艺人同台演出",
    [
        "第十届海峡民俗文化节15日晚在东渡古镇开幕，来自两岸的400余名民间艺人同台献艺，舞龙舞狮、木偶戏、南音、歌仔戏等传统节目轮番上演，吸引了上万名市民和游客观看。",
        "本届文化节为期五天，设置非遗展示、民俗市集、传统美食和亲子手作等四大板块。在非遗展示区，剪纸、漆线雕、竹编等30多个项目的传承人现场展示技艺，不少游客排队体验。来自台中的木偶剧团团长林文彬说，这是剧团第六次参加文化节，“每次来都能交到新朋友，观众的热情让我们很感动”。",
        "主办方介绍，文化节期间还将举办民俗文化论坛，邀请两岸学者围绕传统节庆的保护与传承进行交流，并评选出十项“最受欢迎民俗项目”。",
    ],
)
KINDERGARTEN = (
    "北川区新增12所公办幼儿园 学位缓解入园难",
    [
        "北川区教育局日前发布消息，今年秋季学期全区将新增12所公办幼儿园，新增学位3600个，公办园在园幼儿占比将提高到62%以上。",
        "据了解，新增幼儿园中，有8所为新建园，4所由小区配套园移交改建而成。区教育局学前教育科科长赵丽萍介绍，新园全部按照省级示范园标准配置户外活动场地和功能教室，并通过公开招聘补充幼儿教师180名。为减轻家庭负担，公办园保育教育费执行每月600元的统一标准，对低保家庭幼儿全额减免。",
        "赵丽萍表示，区里将同步开展普惠性民办幼儿园认定工作，通过生均补助、教师培训等方式支持民办园提升保教质量，力争到明年底普惠性幼儿园覆盖率达到92%。",
    ],
)
CONTROLLER = (
    "华东智控发布新一代工业边缘控制器",
    [
        "4月10日，华东智控科技有限公司在苏州举行新品发布会，正式推出新一代工业边缘控制器HK-E800。该产品采用国产多核处理器，支持16路高速数据采集，可在毫秒级完成设备状态分析与控制指令下发，适用于汽车零部件、电子装配和食品包装等离散制造场景。",
        "公司总经理孙立群介绍，与上一代产品相比，HK-E800的运算能力提升了3倍，功耗降低了25%，并内置了常用工业协议转换模块，工厂无需更换原有设备即可实现联网改造。目前，该产品已在长三角地区的20余家工厂完成试点应用，帮助用户平均减少非计划停机时间约30%。",
        "发布会上，华东智控还与3家高校签署了产学研合作协议，将在工业软件和智能传感领域开展联合攻关。",
    ],
)
MARATHON = (
    "江州马拉松报名人数创新高 赛事将首次设置无障碍赛道",
    [
        "2025江州马拉松组委会日前公布，本届赛事报名人数达到11.3万人，创历史新高，最终将通过抽签确定3万名参赛选手。赛事定于11月16日鸣枪开跑，设全程马拉松、半程马拉松和健康跑三个项目。",
        "组委会介绍，今年赛事将首次设置无障碍赛道，邀请50名轮椅跑者和视障跑者参赛，并为视障跑者配备志愿者陪跑员。赛道沿途设置补给站22个、医疗救护点30个，配备AED设备100台，保障选手安全。",
    ],
)


def jiangnan_daily(title: str, date: str, source: str, paragraphs: list[str], editor: str) -> str:
    """A Simplified city paper: breadcrumb, dated sidebar, licence footer."""
    return "\n".join(
        [
            "江南日报网 > 财经频道 > 正文",
            "首页 | 要闻 | 财经 | 社会 | 文体 | 视频 | 专题",
            "",
            title,
            "",
            f"{date}  来源：{source}  字号：大 中 小",
            "",
            *("　　" + p for p in paragraphs),
            "",
            f"（责任编辑：{editor}）",
            "",
            "分享到：微信 微博 QQ空间",
            "相关阅读",
            "· 江南地区一季度经济运行平稳开局2025-03-10",
            "· 多地出台措施促进消费回暖2025-03-09",
            "· 长三角港口集装箱吞吐量创新高2025-03-08",
            "24小时排行 一周排行",
            "版权所有 江南日报网  未经书面授权不得转载",
            "沪ICP备12345678号-2  沪公网安备 31010102000123号",
            "互联网新闻信息服务许可证 31120180099",
            "违法和不良信息举报电话：021-55550000",
        ]
    )


def taiwan_news(title: str, date: str, source: str, paragraphs: list[str]) -> str:
    """A Traditional (Taiwan) portal: nav bar, labelled metadata, contacts footer."""
    text = "\n".join(
        [
            "產經新聞網",
            "首頁 | 即時 | 產經 | 國際 | 兩岸 | 生活 | 影音",
            "您現在的位置：首頁 > 兩岸 > 內文",
            title,
            f"發布時間：{date}　　來源：{source}",
            *paragraphs,
            "上一篇：兩岸青年創業交流營開營",
            "下一篇：夏季用電高峰預估創新高",
            "熱門新聞",
            "- 半導體設備出口連續三月成長2025-03-11",
            "- 颱風季提前 氣象單位籲防範2025-03-10",
            "聯絡我們 | 廣告刊登 | 隱私權政策 | 服務條款 | 訂閱電子報",
            "電話：02-2555-0101 傳真：02-2555-0102 E-mail：service@cnews-tw.example",
            "版權所有 © 產經新聞網 All Rights Reserved",
        ]
    )
    return S2TW.convert(text)


SPAM_FARM = (
    "九游会真人游戏 | 百家乐在线 | 太阳城娱乐城 | 无码高清在线观看 | 国产精品一区二区 | "
    "久久精品免费视频 | 澳门葡京官网 | 棋牌游戏下载"
)


def spam_mirror(
    title: str, date: str, source: str, paragraphs: list[str], *, ruby: str = ""
) -> str:
    """A spam mirror: gambling breadcrumb, metadata glued to the first paragraph, a link farm,
    and optionally pinyin left behind by flattened ruby markup on the characters in `ruby`."""
    body = [f"发布时间：{date} 作者： 来源：{source} 浏览：次{paragraphs[0]}", *paragraphs[1:]]
    text = "\n".join(
        [
            "网站九游会·J9 > 新闻中心 > 行业动态",
            "推荐信息",
            "- 行业协会召开年度工作会议2025-02-28",
            "- 春季展会报名工作启动2025-02-20",
            "- 关于调整会员服务费的通知2025-01-15",
            title,
            *body,
            "技术支持：某某网络 版权所有：行业资讯网",
            "地址：江州市滨江路88号 电话：0571-8888-0000 邮编：310000",
            "浙ICP备09000001号-1",
            SPAM_FARM,
        ]
    )
    if ruby:
        text = S2TW.convert(text)
        text = add_ruby_residue(text, S2TW.convert(ruby))
    return text


def add_ruby_residue(text: str, characters: str) -> str:
    """Annotate every occurrence of the given characters with its tone-marked pinyin, as
    naive flattening of <ruby> markup does."""
    chosen = set(characters)

    def annotate(match: re.Match[str]) -> str:
        char = match.group(0)
        return f"{char}({pinyin(char, style=Style.TONE)[0][0]})"

    return re.sub("|".join(map(re.escape, chosen)), annotate, text)


def company_site(title: str, date: str, paragraphs: list[str]) -> str:
    """A company site's news page: widgets, hotline, contacts; no source, no breadcrumb."""
    return "\n".join(
        [
            "加入收藏 在线留言 联系我们",
            "关注微信",
            "手机扫一扫 立刻联系商家",
            "全国服务热线 400-800-1234",
            "公司新闻",
            title,
            f"发布时间：{date} 更新时间：2025-12-31 18:00",
            *paragraphs,
            "联系方式",
            "• 电  话：0512-6666-1234",
            "• 邮  箱：sales@hdzk.example",
            "• 地  址：苏州工业园区星湖街99号",
        ]
    )


def portal(title: str, date: str, source: str, paragraphs: list[str], lead: str = "") -> str:
    """A plain news portal: title, a date line, an optional editor's note before the body."""
    return "\n".join(
        [
            "北川新闻网",
            title,
            f"{date} {source}",
            *([lead] if lead else []),
            *paragraphs,
            "【打印】【关闭】",
            "相关新闻",
            "北川新闻网版权所有 Copyright 2025 All Rights Reserved",
            "川ICP备05001234号",
        ]
    )


def truncated(paragraphs: list[str], share: float) -> list[str]:
    text = "\n".join(paragraphs)
    return text[: int(len(text) * share)].rsplit("。", 1)[0].split("\n")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    ch_title, ch = CHARGING
    tea_title, tea = TEA
    rice_title, rice = RICE
    pages = {
        # Press release 1: four copies.
        "jiangnan_daily/2025/0312/charging-plan.txt": jiangnan_daily(
            ch_title, "2025-03-12 09:30", "江州日报", ch, "周敏"
        ),
        "cnews_tw/20250312/ev-charging.txt": taiwan_news(
            ch_title, "2025年3月12日 14:05", "江州日報", ch
        ),
        "mirror_spam/news/show-1288.txt": spam_mirror(
            ch_title, "2025-03-13 08:15:02", "江州日报", ch, ruby="业发统网协创联监现"
        ),
        "hdzk_company/news/2025-charging.txt": company_site(
            ch_title, "2025-03-14 10:00", truncated(ch, 0.6)
        ),
        # Press release 2: three copies, one with a new headline and an editor's note.
        "jiangnan_daily/2025/0405/spring-tea.txt": jiangnan_daily(
            tea_title, "2025-04-05 11:20", "云岭日报", tea, "李青"
        ),
        "beichuan_news/a/2025-04-06-tea.txt": portal(
            "中欧班列开通茶叶专列 云岭春茶半个月上架欧洲",
            "2025-04-06 07:45",
            "来源：云岭日报",
            tea,
            lead="编者按：春茶出口是观察外贸新动能的一扇窗口，本文经授权转载，原标题为《"
            + tea_title
            + "》。",
        ),
        "cnews_tw/20250406/tea-export.txt": taiwan_news(
            tea_title, "2025年4月6日 09:10", "雲嶺日報", tea
        ),
        # Press release 3: three copies, one on the spam mirror (no ruby residue).
        "beichuan_news/a/2025-05-20-rice.txt": portal(
            rice_title, "2025-05-20 16:00", "来源：农民日报", rice
        ),
        "hdzk_company/news/2025-rice-variety.txt": company_site(
            rice_title, "2025-05-21 09:00", rice
        ),
        "mirror_spam/news/show-1502.txt": spam_mirror(
            rice_title, "2025-05-22 10:40:11", "农民日报", rice
        ),
        # Distinct articles, each inside a template that also carries a press release.
        "jiangnan_daily/2025/0308/supercharger.txt": jiangnan_daily(
            SUPERCHARGER[0], "2025-03-08 12:00", "江南日报", SUPERCHARGER[1], "周敏"
        ),
        "cnews_tw/20250315/folk-festival.txt": taiwan_news(
            FESTIVAL[0], "2025年3月15日 21:30", "產經新聞網", FESTIVAL[1]
        ),
        "beichuan_news/a/2025-06-01-kindergarten.txt": portal(
            KINDERGARTEN[0], "2025-06-01 08:00", "来源：北川新闻网", KINDERGARTEN[1]
        ),
        "hdzk_company/news/2025-edge-controller.txt": company_site(
            CONTROLLER[0], "2025-04-10 15:00", CONTROLLER[1]
        ),
        "mirror_spam/news/show-1733.txt": spam_mirror(
            MARATHON[0], "2025-06-18 09:00:00", "江州晚报", MARATHON[1]
        ),
    }
    for relative, text in pages.items():
        path = OUT / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    # Legacy encodings, as many sites still serve them: one copy in Big5, one in GB18030.
    legacy = {
        "cnews_tw/20250406/tea-export.txt": "cp950",
        "hdzk_company/news/2025-rice-variety.txt": "gb18030",
    }
    for relative, encoding in legacy.items():
        path = OUT / relative
        text = path.read_text(encoding="utf-8").replace("©", "(C)")
        path.write_bytes(text.encode(encoding))
    print(f"wrote {len(pages)} pages to {OUT}")


if __name__ == "__main__":
    main()
