"""The classes of real re-posts, end to end through `dedup.scan`, on articles written here."""

from __future__ import annotations

from pathlib import Path

import dedup

BULLETIN = (
    "青川县公安局通报：8月3日16时许，城关镇滨河路一处在建工地发生基坑局部坍塌，"
    "两名作业人员被困。接警后，公安、消防、急救力量迅速赶赴现场处置，"
    "被困人员已于17时40分全部救出，经医院检查无生命危险。"
    "事故原因正在进一步调查中，相关企业负责人已被警方控制。"
)
REPORT = (
    "本报讯 记者走访了解到，滨河路片区今年以来共有十余个项目集中开工，"
    "施工车辆进出频繁，周边居民多次反映夜间噪声和道路扬尘问题。"
    "一位在附近经营餐馆的店主告诉记者，工地围挡曾在暴雨后出现倾斜，"
    "他当时就向社区反映过，希望有关部门加强巡查。\n"
    + BULLETIN
    + "\n住建部门相关负责人表示，将立即对全县在建深基坑项目开展拉网式排查，"
    "对未按方案施工、监测数据缺失的项目一律停工整改。"
    "记者注意到，县里去年出台的建筑工地安全管理办法明确要求，"
    "基坑开挖深度超过五米的必须委托第三方监测，并每日上报数据。"
    "业内人士认为，汛期前后土体含水量变化大，是基坑事故的高发时段，"
    "施工单位更应落实主体责任，不能为赶工期而省略支护环节。"
)
SAME_EVENT = (
    "8月3日下午，青川县城关镇一处建筑工地发生坍塌事故。据现场目击者讲述，"
    "事发时工人正在基坑底部绑扎钢筋，一侧土方突然滑落，两人被埋。"
    "救援人员用了一个多小时将二人救出并送往县人民医院，目前二人伤情稳定。"
    "当地已成立调查组，对事故责任进行认定，施工方被要求全面停工。"
)
TOLL = (
    "受今年第5号台风影响，江州市沿海多地出现特大暴雨，截至今天上午，"
    "全市因灾死亡{dead}人，失踪{missing}人，紧急转移安置群众一万三千余人，"
    "倒塌房屋{houses}间，直接经济损失{loss}亿元。市防汛指挥部已将防汛应急响应提升至一级，"
    "各地正全力开展搜救和灾后恢复工作，电力、通信部门连夜抢修受损线路，"
    "交通部门对沿海公路实行临时管制，提醒市民非必要不出行。"
)


def write(folder: Path, name: str, body: str, date: str) -> None:
    (folder / name).write_text(f"标题：{name}\n发布时间：{date}\n\n{body}\n", encoding="utf-8")


def test_a_bulletin_a_report_quoting_it_and_an_updated_toll(tmp_path: Path) -> None:
    write(tmp_path, "bulletin.txt", BULLETIN, "2023-08-03 18:00")
    write(tmp_path, "report.txt", REPORT, "2023-08-04 09:00")
    write(tmp_path, "witness.txt", SAME_EVENT, "2023-08-03 20:00")
    first = TOLL.format(dead=5, missing=3, houses=120, loss=2.4)
    write(tmp_path, "toll-1.txt", first, "2023-08-02")
    write(
        tmp_path, "toll-2.txt", TOLL.format(dead=12, missing=1, houses=310, loss=6.8), "2023-08-03"
    )
    result = dedup.scan([tmp_path], jobs=1)
    groups = {frozenset(m.document.doc_id for m in c.members): c for c in result.duplicate_clusters}
    assert set(groups) == {
        frozenset({"bulletin.txt", "report.txt"}),
        frozenset({"toll-1.txt", "toll-2.txt"}),
    }
    relations = {m.document.doc_id: m.relation for c in groups.values() for m in c.members}
    assert relations == {
        "bulletin.txt": "original",
        "report.txt": "quoted",
        "toll-1.txt": "original",
        "toll-2.txt": "updated",
    }
    assert result.split_pairs == 0


def test_a_notice_of_two_districts_stays_apart_and_its_repost_joins_it(tmp_path: Path) -> None:
    from ..notices import notice, reposted

    write(tmp_path, "qinglin.txt", notice("青林"), "2023-08-03 15:30")
    write(tmp_path, "qinglin-repost.txt", reposted(notice("青林")), "2023-08-03 18:00")
    write(tmp_path, "shihe.txt", notice("石河", day=4, hour=20), "2023-08-04 20:30")
    result = dedup.scan([tmp_path], jobs=1)
    groups = {frozenset(m.document.doc_id for m in c.members) for c in result.duplicate_clusters}
    assert groups == {frozenset({"qinglin.txt", "qinglin-repost.txt"})}
    assert result.split_pairs == 0


def test_a_report_showing_one_photo_of_a_photo_story_stays_apart_and_a_repost_joins_it(
    tmp_path: Path,
) -> None:
    from ..photos import REPORT, REPOSTED, STORY

    write(tmp_path, "story.txt", STORY, "2023-08-04 21:00")
    write(tmp_path, "report.txt", REPORT, "2023-08-05 09:00")
    write(tmp_path, "story-repost.txt", REPOSTED, "2023-08-05 10:00")
    result = dedup.scan([tmp_path], jobs=1)
    groups = {frozenset(m.document.doc_id for m in c.members) for c in result.duplicate_clusters}
    assert groups == {frozenset({"story.txt", "story-repost.txt"})}
    assert result.split_pairs == 0
