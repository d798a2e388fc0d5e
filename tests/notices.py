"""A flood notice written here from one formula, filled for a district, a day and an hour."""

from __future__ import annotations

NOTICE = (
    "据{district}区应急管理局消息，受持续强降雨影响，{district}区多条河道水位快速上涨，"
    "防汛形势十分严峻。为保障人民群众生命财产安全，{district}区防汛指挥部决定，"
    "自8月{day}日{hour}时起启动防汛一级应急响应，并通告如下："
    "一、全区中小学、幼儿园和校外培训机构暂停线下教学活动；"
    "二、在建工地一律停工，停止一切户外高空作业；"
    "三、景区、公园和河道沿线步道全部关闭，严禁游人进入；"
    "四、各街道乡镇要组织力量开展拉网式巡查，及时转移低洼地带和危旧房屋内的群众；"
    "五、请广大市民非必要不外出，遇到险情及时拨打求助电话。"
    "以上措施将根据雨情汛情变化适时调整。"
)


def notice(district: str, day: int = 3, hour: int = 15) -> str:
    """The notice as `district` issued it."""
    return NOTICE.format(district=district, day=day, hour=hour)


def reposted(body: str) -> str:
    """A re-post of a notice: a site's lead-in, a word changed, another district named once
    and an editor's line."""
    return (
        "本报讯 "
        + body.replace("请广大市民", "请市民朋友们")
        + "邻近的山前区也发布了类似通告。编辑 张三"
    )
