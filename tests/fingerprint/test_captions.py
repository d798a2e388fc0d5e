"""Photo captions: credits found, photo stories told from reports with photos, and a page
carrying one caption of a photo story told from a copy of the story."""

from __future__ import annotations

import pytest

from dedup.fingerprint.captions import compare_captions, credits, is_photo_story, shows_photos

from ..photos import BACKGROUND, CREDIT, REPORT, REPOSTED, SCENES, STORY, caption


@pytest.mark.parametrize(
    ("text", "credit"),
    [
        ("游客在湖边赏荷。新华社记者 王大林 摄", "新华社记者 王大林 摄"),
        ("游客在湖边赏荷。王大林摄8月5日，", "王大林摄"),
        ("游客在湖边赏荷（王大林 摄）。", "王大林 摄"),
        ("游客在湖边赏荷。新华社发（王大林摄）", "王大林摄"),
        ("游客在湖边赏荷。本报记者 王林 本报通讯员 李科 摄", "本报记者 王林 本报通讯员 李科 摄"),
        ("由于自来水还未恢复，居民们一早就在小区门口的临时供水点排队打水王大林/摄", "王大林/摄"),
        ("救援队员转移群众。 青林区消防救援大队 供图", "青林区消防救援大队 供图"),
    ],
    ids=["agency", "bare", "bracketed", "agency-bracketed", "two-names", "slash", "supplied"],
)
def test_a_photo_credit_is_found_in_its_forms(text: str, credit: str) -> None:
    (span,) = credits(text)
    assert text[slice(*span)].endswith(credit)


@pytest.mark.parametrize(
    "text",
    [
        "记者在现场拍摄了受损的房屋。",
        "小区门口的摄像头拍下了全过程。",
        "最高气温达到38摄氏度。",
        "这是8月3日在青林区拍摄的河道。",
        "，自主拍摄现场照片后上传。",
        "市民注意合理摄入盐分。",
    ],
    ids=["shot", "camera", "degrees", "shot-on", "verb", "intake"],
)
def test_words_made_with_she_are_no_credit(text: str) -> None:
    assert credits(text) == () and not shows_photos(text)


def test_a_photo_story_is_captions_each_ending_with_a_credit() -> None:
    assert len(credits(STORY)) == 4
    assert is_photo_story(STORY)
    # Two photos are not a story yet: a report often shows two.
    assert not is_photo_story(caption(SCENES[0]) + caption(SCENES[1]))


def test_a_report_with_photos_between_its_paragraphs_is_no_photo_story() -> None:
    # A report's paragraphs run longer than captions between its photos.
    paragraphs = (
        "本报讯 今年入汛以来，青林区累计降雨量较常年同期偏多四成，区防汛指挥部先后六次启动"
        "应急响应，组织干部群众巡查河道堤防，转移低洼地带群众三千余人，未发生人员伤亡。"
        "区水务局负责人介绍，全区四十二座小型水库目前水位均在汛限以下，运行平稳。",
        "记者在沿河的几个村庄看到，村民正在清理淤泥，电力和通信部门的抢修队伍也已进村，"
        "受损线路大部分恢复。区农业农村局组织农技人员下田指导补种，帮助农户减少损失，"
        "受灾较重的农户还将获得种子和化肥补贴，保险机构已开通理赔绿色通道。",
        "区防汛指挥部提醒，未来一周仍有降雨过程，请市民关注预警信息，不要在河边停留，"
        "遇到险情及时拨打求助电话。区里已在各镇储备了沙袋、冲锋舟和应急照明设备，"
        "并安排专人二十四小时值守，确保险情发生时能够第一时间处置。",
    )
    report = "".join(
        f"{paragraph}青林区河道旁，救援人员在加固堤坝。本报记者 林晓 摄" for paragraph in paragraphs
    )
    assert len(credits(report)) == 3 and not is_photo_story(report)
    # Nor is a report that closes with a paragraph after its last photo.
    assert not is_photo_story(STORY + paragraphs[0] + paragraphs[1])


def test_a_report_showing_one_photo_carries_only_captions_of_the_story() -> None:
    found = compare_captions(STORY, REPORT)
    assert found.story and found.photos == 4 and found.other_photos == 1
    assert not found.other_story and found.in_captions >= 0.8
    assert found.carried_only


def test_a_copy_of_the_whole_story_shows_every_photo() -> None:
    found = compare_captions(STORY, REPOSTED)
    assert found.story and found.other_photos == found.photos
    assert not found.carried_only


def test_a_shorter_story_inside_a_larger_one_is_no_caption_carried_alone() -> None:
    # The other shows fewer of this story's photos but is a photo story too: a gallery
    # re-posted with photos of its own, which a copy may be.
    larger = "".join(caption(scene) for scene in SCENES[:2]) + caption(SCENES[2])
    found = compare_captions(STORY, larger)
    assert found.story and found.other_story and not found.carried_only


def test_text_shared_outside_the_captions_is_no_caption_carried() -> None:
    # A report showing one photo with the story's short caption, and carrying the story's
    # background paragraph as text of its own, after the photo: that is no caption.
    report = (
        REPORT.replace(caption(SCENES[2]), "")
        + SCENES[0]
        + CREDIT
        + BACKGROUND
        + "游客们纷纷表示，灯会让夏夜多了一个好去处。"
    )
    found = compare_captions(STORY, report)
    assert found.story and found.other_photos == 1
    assert found.in_captions < 0.8 and not found.carried_only
