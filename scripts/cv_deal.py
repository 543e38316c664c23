"""Shared by cv.py and webeval.py: labelled items dealt into made-up sources."""

def deal(test, purity, size, rng, hints=False, second=0.0):
    """Give each item a made-up source: sources of `size` items, `purity` of them of one
    section and the rest of others, until the items run out. With `hints`, each source
    hints its main section, as a folder per source would. With `second`, that share of
    each source comes from one other section (a source of two beats)."""
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
        fill = size - own
        others = [s for s in pools if s != main and pools[s]]
        if second and others:
            two = rng.choice(others)
            k = round(size * second)
            members += pools[two][:k]
            del pools[two][:k]
            fill -= k
        for _ in range(fill):
            others = [s for s in pools if s != main and pools[s]]
            if not others:
                break
            members.append(pools[rng.choice(others)].pop())
        for it in members:
            out.append(dict(it, source=f"web-{n}", **({"hint": main} if hints and main != "off-topic" else {})))
        n += 1
    return out
