"""A photo story written here: an agency's captions, one background paragraph under each
photo, and the pages that carry it whole or show one of its photos. No page repeats a place
name: the crawler's index keeps their bodies for their photo credits alone."""

from __future__ import annotations

CREDIT = "本报记者 林晓 摄"
BACKGROUND = (
    "据主办方介绍，今年的滨河灯会共设置大型灯组一百二十组，"
    "沿河步道延长至六公里，夜间开放时间延长到二十三时，"
    "灯会期间还将举办非遗展演和美食活动，预计接待游客八十万人次。"
)
SCENES = (
    "8月4日晚，滨河公园，游客在巨型鲤鱼灯组前拍照留念。",
    "8月4日晚，滨河公园，孩子们提着兔子灯在步道上奔跑。",
    "8月4日晚，滨河公园，工作人员在调试水上莲花灯。（无人机照片）",
    "8月4日晚，滨河公园，非遗艺人在灯下表演皮影戏。",
)


def caption(scene: str) -> str:
    """One photo's caption: the scene, the background, the credit."""
    return scene + BACKGROUND + CREDIT


STORY = "原标题：滨河灯会点亮夏日夜空" + "".join(caption(scene) for scene in SCENES)

# A long regional report that shows the third photo, with its caption, among its own text.
REPORT = (
    "原标题：暑期文旅消费持续升温 全省夜间经济活力足 "
    "本报讯 入夏以来，全省各地围绕夜游、夜购、夜食推出一系列消费活动，"
    "夜间经济成为拉动文旅消费的重要力量。省文化和旅游厅数据显示，七月全省重点景区"
    "夜间客流同比增长百分之三十七，夜间消费额占全天消费额的比重提高到四成以上。"
    + caption(SCENES[2])
    + "在南部山区，多个古镇把老街改造成步行街区，引入手工作坊和民宿，"
    "周末晚上常常一房难求。古镇管委会负责人说，老街的店铺今年新增了六十多家，"
    "大多由返乡青年经营，他们把地方小吃和传统手艺带进了直播间。"
    "在沿海城市，海滨浴场延长开放时间，沙滩音乐节和海上烟花秀吸引了大批外地游客，"
    "周边酒店入住率保持在九成左右。交通部门同步加密了夜间公交班次，"
    "开通多条景区直通车，方便游客夜游后返回市区。"
    "省文化和旅游厅有关负责人表示，下一步将继续丰富夜间消费场景，"
    "规范市场秩序，提升服务质量，让游客玩得开心、住得舒心、吃得放心。"
)

# The whole story re-posted by a site that adds a long disclaimer of its own.
REPOSTED = (
    STORY + "声明：本站转载此文出于传递更多信息之目的，并不意味着赞同其观点或证实其描述，"
    "文章内容仅供参考，不构成任何建议。如涉及作品内容、版权和其他问题，"
    "请在三十日内与本站联系，我们将在第一时间删除内容。本站拥有对此声明的最终解释权。"
)
