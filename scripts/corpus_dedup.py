#!/usr/bin/env python3
"""A dedup set from the classification corpora: one fortnight's distinct stories.

The labelled files of `banyue eval` hold thousands of items, nearly all of them distinct
stories from many outlets: the same companies, cities and templates of headline turn up
again and again (用友网络's half-year results and its staff basketball match; 二期 and 三期
of one park). Put in one window, they ask what the template sets cannot: does the near-
duplicate stage keep a company's or a city's several stories of one fortnight apart?

  corpus_dedup.py dev      > tests/fixtures/dedup/corpus-dev.json
  corpus_dedup.py heldout  > corpus-heldout.json        # measured only

`dev` reads config/labels/ and the shared examples; its few real repeats (one story told
by two outlets, found in two corpora) are labelled in SAME below, by reading each merge
`eval-dedup` printed on it: the rule written for each is "one event, one story" — the
same release, meeting, filing or launch, not the same company's or place's next one.
`heldout` reads tests/fixtures/eval/ and is never labelled: every merge on it counts as
wrong, so its figure is an upper bound on wrong merges.

Items are deduplicated by title, dated over five days (a fixed seed), and written in the
format of tests/fixtures/dedup/README.md: `single` for a story told once, `reword` for
one of SAME's groups.
"""
import glob
import json
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# One story told twice: each group is the title prefixes of its reports.
SAME = [
    ("上半年,我国软件业务收入46266亿元", "7月25日消息:工信部数据显示,上半年,我国软件业务收入46266亿元"),
    ("市政府办公室关于印发苏州市加快推动“人工智能+”", "昨天(9月15日),苏州市举行“人工智能+”创新发展试验区推进大会"),
    ("北京促进通用人工智能发展若干措施征意见", "《北京市促进通用人工智能创新发展的若干措施》"),
    ("北京:连发两份关于人工智能重磅文件", "《北京市加快建设具有全球影响力的人工智能创新策源地实施方案"),
    ("东莞市软件与信息服务产业集群培育发展行动计划(", "东莞市软件与信息服务产业集群培育发展行动计划"),
    ("新华社福州5月25日电", "第七届数字中国建设峰会在福州举办"),
    ("5月4日,第八届数字中国建设峰会在福州", "第八届数字中国建设峰会在福州举行"),
    ("4月27日,第六届数字中国建设峰会", "第六届数字中国建设峰会在福州开幕"),
    ("2022年中国数字经济规模达50.2万亿元", "2022年我国数字经济规模达50.2万亿元"),
    ("持股5% 腾讯成特斯拉第五大股东", "据美国证监会文件,截至2017年3月24日,腾讯控股持有特斯拉5%"),
    ("工业和信息化部等八部门联合印发《“人工智能+制造”", "日前,工业和信息化部、中央网信办、国家发展改革委等八部门联合印发了《“人工智能+制造”"),
    ("2025年第三季度中国智能手机市场出货量下降0.5%", "“国补”退潮、销量下降 vivo市占率夺魁"),
    ("麒麟软件发布银河麒麟操作系统V11", "银河麒麟操作系统V11正式发布"),
    ("国庆假期全国铁路累计发送旅客1.5亿人次", "国庆假期全国铁路发送旅客超1.5亿人次"),
    ("流感进入高发期，建议重点人群尽早接种疫苗", "秋冬季流感进入高发期", "流感进入高发季"),
    ("沐曦股份登陆科创板，募资39亿元", "沐曦股份登陆科创板，首日股价大幅上涨"),
    ("国务院印发《关于深入实施“人工智能+”行动的意见》", "《关于深入实施“人工智能+”行动的意见》"),
    ("《网络数据安全管理条例》正式施行", "《网络数据安全管理条例》"),
    ("星环科技-U科创板上市3年亏损加剧却要港股IPO", "科创板募资14亿,三年再亏9亿!星环科技赴港IPO"),
    ("浑南区与东软集团签署数字健康产业合作协议", "沈阳：浑南区与东软集团共建医疗健康数据创新中心"),
]


def items_of(files):
    seen, out = set(), []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            d = json.load(fh)
        for it in d["items"] if isinstance(d, dict) else d:
            t = it.get("title", "").strip()
            if t and t not in seen:
                seen.add(t)
                out.append(it)
    return out


def group_of(title):
    # The longest prefix wins: 《关于深入实施…的意见》 is held in 国务院印发《…》 too.
    best = None
    for gi, group in enumerate(SAME):
        for p in group:
            if title.startswith(p) and (best is None or len(p) > best[1]):
                best = (gi, len(p))
    return None if best is None else best[0]


def main():
    which = sys.argv[1] if len(sys.argv) > 1 else "dev"
    if which == "dev":
        files = sorted(glob.glob(os.path.join(ROOT, "config/labels/*.json")))
        files.append(os.path.join(ROOT, "..", "shared", "examples", "labelled-items.json"))
        files = [f for f in files if os.path.exists(f)]
        groups = True
    elif which == "heldout":
        files = sorted(glob.glob(os.path.join(ROOT, "tests/fixtures/eval/*.json")))
        groups = False
    else:
        sys.exit("usage: corpus_dedup.py dev|heldout")
    rng = random.Random(1)
    out = []
    for i, it in enumerate(items_of(files)):
        g = group_of(it["title"]) if groups else None
        day = 10 + 1 + rng.randrange(5)
        out.append({
            "story": f"g{g}" if g is not None else f"s{i}",
            "title": it["title"],
            "body": it.get("body", ""),
            "source": it.get("source") or "outlet",
            "published": f"2026-09-{day:02d}T{rng.randrange(8, 20):02d}:{rng.randrange(60):02d}:00+08:00",
            "kind": "reword" if g is not None else "single",
        })
    out.sort(key=lambda x: x["published"])
    note = ("Built by scripts/corpus_dedup.py from the classification corpora: distinct stories of "
            "one window, with the repeats found among them labelled. Development: tune on it.")
    json.dump({"note": note, "items": out}, sys.stdout, ensure_ascii=False, indent=1)
    print()


if __name__ == "__main__":
    main()
