"""Draw candidate pairs for the read-labelled set without MinHash (see docs/accuracy.md).

Candidates come from an exact index of long sentences, from templated families found with
patterns on the raw text, and from topic neighbours (rare trigrams in common, no shared
sentence). Each candidate is put in a band by the character 5-gram Jaccard and containment of
the whole texts, and a fixed number is drawn from every band, so that low-similarity copies are
well represented. Band populations are written beside the pairs so estimates can be re-weighted.

    python benchmarks/real/find_pairs.py ../shared/corpora > pairs.candidates.jsonl
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import random
import re
import sys
import unicodedata
from pathlib import Path

SENTENCE_END = re.compile(r"[。！？!?；;\n\r]+|\s{2,}|\u3000+")
NOT_WORD = re.compile(r"[\W_]+")
MIN_SENTENCE = 15
MAX_SENTENCE_DOCS = 20
BOILERPLATE = re.compile(
    "广告|声明|版权|免责|转载|责任编辑|责编|来源|原标题|点击|关注|扫码|客户端|下载|本文|所有文章|"
    "编辑|记者|通讯员|图片|视频|微信|公众号"
)
TEMPLATES = {
    "stock_flash": re.compile(r"股票行情快报|主力资金净(买入|卖出)"),
    "fund_nav": re.compile(r"基金净值|单位净值"),
    "rates": re.compile(r"中间价|汇率"),
    "margin": re.compile(r"融资融券|融资余额"),
    "dragon_tiger": re.compile(r"龙虎榜"),
    "lottery": re.compile(r"开奖|彩票"),
}
QUOTAS = {
    "j>=0.9": 40,
    "j0.7-0.9": 55,
    "j0.5-0.7": 65,
    "j0.3-0.5": 70,
    "j<0.3,c>=0.5": 70,
    "j<0.3,c<0.5": 60,
    "template": 40,
    "topic": 50,
}
SINA_SHARE = 0.15


def normalized(text: str) -> str:
    return NOT_WORD.sub("", unicodedata.normalize("NFKC", text)).lower()


def sentences(text: str) -> set[str]:
    found = set()
    for part in SENTENCE_END.split(unicodedata.normalize("NFKC", text)):
        key = normalized(part)
        if len(key) >= MIN_SENTENCE and not BOILERPLATE.search(part):
            found.add(key)
    return found


def grams(text: str, n: int) -> set[str]:
    flat = normalized(text)
    return {flat[i : i + n] for i in range(max(1, len(flat) - n + 1))}


def band_of(a: set[str], b: set[str]) -> tuple[str, float, float]:
    common = len(a & b)
    jaccard = common / max(1, len(a | b))
    containment = common / max(1, min(len(a), len(b)))
    if jaccard >= 0.9:
        band = "j>=0.9"
    elif jaccard >= 0.7:
        band = "j0.7-0.9"
    elif jaccard >= 0.5:
        band = "j0.5-0.7"
    elif jaccard >= 0.3:
        band = "j0.3-0.5"
    elif containment >= 0.5:
        band = "j<0.3,c>=0.5"
    else:
        band = "j<0.3,c<0.5"
    return band, jaccard, containment


def sentence_pairs(docs: dict[str, dict]) -> set[tuple[str, str]]:
    index: dict[str, list[str]] = collections.defaultdict(list)
    for doc_id, doc in docs.items():
        for key in sentences(doc["text"]):
            index[key].append(doc_id)
    pairs = set()
    for ids in index.values():
        if 2 <= len(ids) <= MAX_SENTENCE_DOCS:
            pairs.update(itertools.combinations(sorted(ids), 2))
    return pairs


def template_pairs(docs: dict[str, dict], rng: random.Random) -> list[tuple[str, str, str]]:
    families: dict[str, list[str]] = collections.defaultdict(list)
    family_of: dict[str, str] = {}
    for doc_id, doc in docs.items():
        for name, pattern in TEMPLATES.items():
            if pattern.search(doc["text"][:200]):
                families[name].append(doc_id)
                family_of[doc_id] = name
                break
    drawn = []
    for members in (sorted(ids) for _, ids in sorted(families.items())):
        if len(members) < 2:
            continue
        for _ in range(min(40, len(members))):
            a, b = rng.sample(members, 2)
            drawn.append((min(a, b), max(a, b), family_of[a]))
    return drawn


def topic_pairs(docs: dict[str, dict], shared: set[tuple[str, str]]) -> list[tuple[str, str]]:
    by_day: dict[str, list[str]] = collections.defaultdict(list)
    for doc_id, doc in docs.items():
        by_day[doc.get("date") or ""].append(doc_id)
    trigram_sets = {doc_id: grams(doc["text"], 3) for doc_id, doc in docs.items()}
    found = []
    for _day, ids in sorted(by_day.items()):
        df = collections.Counter(g for doc_id in ids for g in trigram_sets[doc_id])
        postings: dict[str, list[str]] = collections.defaultdict(list)
        for doc_id in sorted(ids):
            for g in trigram_sets[doc_id]:
                if 3 <= df[g] <= 15:
                    postings[g].append(doc_id)
        counts: collections.Counter[tuple[str, str]] = collections.Counter()
        for members in postings.values():
            counts.update(itertools.combinations(members, 2))
        for pair, count in counts.items():
            if count >= 12 and pair not in shared:
                found.append(pair)
    return found


def load(path: Path, prefix: str) -> dict[str, dict]:
    with path.open(encoding="utf-8") as handle:
        return {d["id"]: d | {"corpus": prefix} for d in map(json.loads, handle)}


def draw(pool: dict[str, list[dict]], quota: dict[str, int], rng: random.Random) -> list[dict]:
    chosen = []
    for band, found in sorted(pool.items()):
        items = sorted(found, key=lambda p: (p["a"], p["b"]))
        rng.shuffle(items)
        uses: collections.Counter[str] = collections.Counter()
        taken = 0
        for item in items:
            if taken >= quota.get(band, 0):
                break
            if uses[item["a"]] >= 2 or uses[item["b"]] >= 2:
                continue
            uses.update((item["a"], item["b"]))
            chosen.append(item)
            taken += 1
    return chosen


def candidates(docs: dict[str, dict], rng: random.Random, with_extra: bool) -> dict[str, list]:
    shared = sentence_pairs(docs)
    five = {doc_id: grams(doc["text"], 5) for doc_id, doc in docs.items()}
    pool: dict[str, list[dict]] = collections.defaultdict(list)
    for a, b in sorted(shared):
        band, _, _ = band_of(five[a], five[b])
        pool[band].append({"a": a, "b": b, "band": band, "source": "sentence"})
    if with_extra:
        for a, b, family in template_pairs(docs, rng):
            pool["template"].append({"a": a, "b": b, "band": "template", "source": family})
        for a, b in topic_pairs(docs, shared):
            pool["topic"].append({"a": a, "b": b, "band": "topic", "source": "topic"})
    return pool


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpora", type=Path)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    crud = load(args.corpora / "zh-crudrag-news-2023/crudrag_news_2023-08-02_08.jsonl", "crud")
    sina = load(args.corpora / "zh-sina-2018/sina2018.jsonl", "sina")
    sina = {k: v for k, v in sina.items() if len(v["text"]) <= 3000}
    crud_pool = candidates(crud, rng, with_extra=True)
    sina_pool = candidates(sina, rng, with_extra=False)
    populations = {
        "crud": {band: len(items) for band, items in sorted(crud_pool.items())},
        "sina": {band: len(items) for band, items in sorted(sina_pool.items())},
    }
    sina_quota = {band: round(n * SINA_SHARE) for band, n in QUOTAS.items()}
    crud_quota = {
        band: n - sina_quota.get(band, 0) if band in sina_pool else n for band, n in QUOTAS.items()
    }
    chosen = draw(crud_pool, crud_quota, rng) + draw(sina_pool, sina_quota, rng)
    print(json.dumps({"populations": populations}, ensure_ascii=False), file=sys.stderr)
    for item in chosen:
        print(json.dumps(item, ensure_ascii=False))


if __name__ == "__main__":
    main()
