//! Lists of stories by key, for the near-duplicate index.
//!
//! Most keys name one story: a MinHash band of one text, a rare term. A vector per key
//! costs its header, an allocation of four entries and the allocator's overhead, about
//! 80 bytes for one entry, and the index holds millions of keys at 100k stories. Here a
//! key with one story holds it in its map entry; only a key with more has a vector,
//! kept contiguous because the look-ups of one report walk thousands of entries.

use std::borrow::Borrow;
use std::hash::Hash;

use super::chunked::Chunked;

type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A map value with this bit set is an index into `Postings::lists`; without, a story.
const LIST: u32 = 1 << 31;
/// The map value of a key past its cap: its stories are forgotten. A look-up skips such
/// a key whatever it holds (a template's band, a bigram of every other headline), and
/// on the farm's 71k stories those lists held most of the index's entries.
const PAST_CAP: u32 = u32::MAX;

#[derive(Debug, Clone)]
pub(super) struct Postings<K> {
    heads: HashMap<K, u32>,
    lists: Chunked<Vec<u32>>,
}

impl<K> Default for Postings<K> {
    fn default() -> Self {
        Postings {
            heads: HashMap::default(),
            lists: Chunked::default(),
        }
    }
}

/// About the bytes of a hash map's table that holds `capacity` entries: a slot and a
/// control byte per bucket, a bucket in eight empty (a debugging figure).
pub(super) fn table_bytes<K, V>(capacity: usize) -> usize {
    capacity * 8 / 7 * (std::mem::size_of::<(K, V)>() + 1)
}

impl<K> Postings<K> {
    /// Keys, and the bytes of the map's table and the lists (a debugging figure).
    pub(super) fn footprint(&self) -> (usize, usize) {
        let table = table_bytes::<K, u32>(self.heads.capacity());
        let lists = self.lists.footprint() + self.lists.iter().map(|l| l.capacity() * 4).sum::<usize>();
        (self.heads.len(), table + lists)
    }
}

impl<K: Hash + Eq> Postings<K> {
    /// Add `story` under `key`.
    pub(super) fn push(&mut self, key: K, story: usize) {
        self.push_while(key, story, usize::MAX);
    }

    /// Add `story` under `key` while the key has at most `cap` stories. A key past its
    /// cap is past it for good: its list is freed, and [`get`](Self::get) finds nothing
    /// under it.
    pub(super) fn push_while(&mut self, key: K, story: usize, cap: usize) {
        let story = story as u32 & !LIST;
        let lists = &mut self.lists;
        self.heads
            .entry(key)
            .and_modify(|v| {
                if *v == PAST_CAP {
                    return;
                }
                if *v & LIST == 0 {
                    if cap >= 2 {
                        lists.push(vec![*v, story]);
                        *v = (lists.len() - 1) as u32 | LIST;
                    } else {
                        *v = PAST_CAP;
                    }
                } else {
                    let list = &mut lists[(*v & !LIST) as usize];
                    if list.len() < cap {
                        list.push(story);
                    } else {
                        *list = Vec::new();
                        *v = PAST_CAP;
                    }
                }
            })
            .or_insert(story);
    }

    /// The stories under `key`, in the order added; none for a key past its cap.
    pub(super) fn get<Q>(&self, key: &Q) -> Option<&[u32]>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.heads.get(key).and_then(|v| {
            if *v == PAST_CAP {
                None
            } else if v & LIST == 0 {
                Some(std::slice::from_ref(v))
            } else {
                Some(self.lists[(v & !LIST) as usize].as_slice())
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_keep_each_keys_stories_in_order() {
        let mut p: Postings<String> = Postings::default();
        p.push("a".to_string(), 1);
        p.push("b".to_string(), 2);
        p.push("a".to_string(), 3);
        assert_eq!(p.get("a"), Some(&[1, 3][..]));
        assert_eq!(p.get("b").map(|l| l.len()), Some(1));
        assert!(p.get("c").is_none());
    }

    #[test]
    fn a_capped_key_past_its_cap_says_so_and_keeps_no_more() {
        let mut p: Postings<u64> = Postings::default();
        for story in 0..3 {
            p.push_while(7, story, 3);
        }
        assert_eq!(p.get(&7), Some(&[0, 1, 2][..]), "at its cap");
        p.push_while(7, 3, 3);
        assert_eq!(p.get(&7), None, "past its cap");
        for story in 4..10 {
            p.push_while(7, story, 3);
        }
        assert_eq!(p.get(&7), None, "past its cap for good");
        assert!(p.lists.iter().all(|l| l.capacity() == 0), "its list freed");
        // A cap of one: the second story is past it.
        p.push_while(8, 1, 1);
        assert_eq!(p.get(&8), Some(&[1][..]));
        p.push_while(8, 2, 1);
        assert_eq!(p.get(&8), None);
        // Other keys keep theirs.
        p.push_while(9, 5, 3);
        assert_eq!(p.get(&9), Some(&[5][..]));
    }
}
