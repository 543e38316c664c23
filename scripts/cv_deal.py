"""Shared by cv.py and webeval.py: labelled items dealt into made-up sources."""

def deal(test, purity, size, rng, hints=False):
    """Give each item a made-up source: sources of `size` items, `purity` of them of one
    section and the rest of others, until the items run out. With `hints`, each source
    hints its main section, as a folder per source would."""
    pools = {}
    for it in test:
        pools.setdefault(it["section"], []).append(it)
    for p in pools.values():
        rng.shuffle(p)
    out, n = [], 0
    while any(pools.values()):
        main = max(pools, key=lambda s: len(pools[s]))
        own = max(1, round(size * purity))
        members = pools[main][:own]
        del pools[main][:own]
        for _ in range(size - own):
            others = [s for s in pools if s != main and pools[s]]
            if not others:
                break
            members.append(pools[rng.choice(others)].pop())
        for it in members:
            out.append(dict(it, source=f"web-{n}", **({"hint": main} if hints and main != "off-topic" else {})))
        n += 1
    return out
