#!/usr/bin/env python3
"""Write config/common-terms.txt: the words and character bigrams too common to name a story.

banyue's dedup merges two reports of one event told in other words when one headline's
*rare* terms turn up in the other report (src/dedup/terms.rs). Rarity among the stories of
one run is not enough on a small run (a few hundred items make 融资 or 开幕 look rare), so
terms that are common in language at large never count. This script derives that list:

- Chinese: the character bigrams of the commonest words, by the summed frequency of the
  words that contain them (wordfreq's `small_zh` list);
- English: the commonest words (wordfreq's `small_en` list);
- industry news: bigrams in at least 3 items of the shipped labelled sets (config/labels),
  so that the trade's own words (信创, 专精特新, 智联) are common too.

Usage:  pip install wordfreq msgpack && scripts/common_terms.py [--zh 10000] [--en 10000]
The word lists are © Robyn Speer, wordfreq, CC BY-SA 4.0; the output says so in its header.
"""
import argparse
import collections
import glob
import gzip
import json
import os
import re

import msgpack
import wordfreq

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CJK2 = re.compile(r"[\u4e00-\u9fff]{2}")


def load(lang):
    path = os.path.join(os.path.dirname(wordfreq.__file__), "data", "small_%s.msgpack.gz" % lang)
    packed = msgpack.unpackb(gzip.open(path).read(), raw=False)
    # cBpack format: a header, then buckets; bucket i holds words of frequency 10^(-i/100).
    return {w: 10 ** (-i / 100) for i, bucket in enumerate(packed[1:]) for w in bucket}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zh", type=int, default=10000)
    ap.add_argument("--en", type=int, default=10000)
    ap.add_argument("--domain-min", type=int, default=3)
    a = ap.parse_args()
    grams = collections.Counter()
    for w, p in load("zh").items():
        for i in range(len(w) - 1):
            if CJK2.fullmatch(w[i:i + 2]):
                grams[w[i:i + 2]] += p
    zh = [g for g, _ in grams.most_common(a.zh)]
    en_freq = load("en")
    en = [w for w in sorted(en_freq, key=lambda w: -en_freq[w])
          if re.fullmatch(r"[a-z][a-z0-9\-]+", w)][:a.en]
    domain = collections.Counter()
    for path in sorted(glob.glob(os.path.join(ROOT, "config", "labels", "*.json"))):
        for item in json.load(open(path, encoding="utf-8"))["items"]:
            text = item["title"] + " " + item.get("body", "")[:160]
            seen = set()
            for run in re.findall(r"[\u4e00-\u9fff]+", text):
                seen.update(run[i:i + 2] for i in range(len(run) - 1))
            domain.update(seen)
    trade = sorted(g for g, n in domain.items() if n >= a.domain_min and g not in set(zh))
    out = os.path.join(ROOT, "config", "common-terms.txt")
    with open(out + ".tmp", "w", encoding="utf-8") as fh:
        fh.write("# Terms too common to name a story (see scripts/common_terms.py, which writes this file).\n")
        fh.write("# Chinese bigrams and English words derived from wordfreq (c) Robyn Speer, CC BY-SA 4.0;\n")
        fh.write("# this list is shared under the same licence. Trade bigrams from config/labels.\n")
        for g in zh + trade:
            fh.write(g + "\n")
        for w in en:
            fh.write(w + "\n")
    os.replace(out + ".tmp", out)
    print("%d Chinese bigrams, %d trade bigrams, %d English words -> %s" % (len(zh), len(trade), len(en), out))


if __name__ == "__main__":
    main()
