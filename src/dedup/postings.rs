//! Lists of stories by key, for the near-duplicate index.
//!
//! Most keys name one story: a MinHash band of one text, a rare term. A vector per key
//! costs its header, an allocation of four entries and the allocator's overhead, about
//! 80 bytes for one entry, and the index holds millions of keys at 100k stories. Here a
//! key with one story holds it in its map entry; only a key with more has a vector,
//! kept contiguous because the look-ups of one report walk thousands of entries.

use std::borrow::Borrow;
use std::hash::Hash;

type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A map value with this bit set is an index into `Postings::lists`; without, a story.
const LIST: u32 = 1 << 31;

#[derive(Debug, Clone)]
pub(super) struct Postings<K> {
    heads: HashMap<K, u32>,
    lists: Vec<Vec<u32>>,
}

impl<K> Default for Postings<K> {
    fn default() -> Self {
        Postings {
            heads: HashMap::default(),
            lists: Vec::new(),
        }
    }
}

impl<K: Hash + Eq> Postings<K> {
    /// Add `story` under `key`.
    pub(super) fn push(&mut self, key: K, story: usize) {
        self.push_while(key, story, usize::MAX);
    }

    /// Add `story` under `key` while the key has at most `cap` stories: a key past its
    /// cap keeps `cap + 1`, so a look-up filtering on `len() <= cap` leaves it out.
    pub(super) fn push_while(&mut self, key: K, story: usize, cap: usize) {
        let story = story as u32 & !LIST;
        let lists = &mut self.lists;
        self.heads
            .entry(key)
            .and_modify(|v| {
                if *v & LIST == 0 {
                    if cap >= 1 {
                        lists.push(vec![*v, story]);
                        *v = (lists.len() - 1) as u32 | LIST;
                    }
                } else {
                    let list = &mut lists[(*v & !LIST) as usize];
                    if list.len() <= cap {
                        list.push(story);
                    }
                }
            })
            .or_insert(story);
    }

    /// The stories under `key`, in the order added.
    pub(super) fn get<Q>(&self, key: &Q) -> Option<&[u32]>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.heads.get(key).map(|v| {
            if v & LIST == 0 {
                std::slice::from_ref(v)
            } else {
                self.lists[(v & !LIST) as usize].as_slice()
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
        for story in 0..10 {
            p.push_while(7, story, 3);
        }
        assert_eq!(p.get(&7), Some(&[0, 1, 2, 3][..]));
    }
}
