//! A sorted set in one vector, for the facts of a report.
//!
//! Each story in the near-duplicate index keeps three fact sets of four sets each, most
//! of them holding one or two entries. A `BTreeSet` allocates a node of eleven slots for
//! its first entry; this keeps exactly what it holds, in order, and answers the same
//! questions (binary search to find, a merge walk to intersect).

use std::borrow::Borrow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Set<T>(Vec<T>);

impl<T> Default for Set<T> {
    fn default() -> Self {
        Set(Vec::new())
    }
}

impl<T: Ord> Set<T> {
    pub fn new() -> Self {
        Set(Vec::new())
    }

    /// A set of entries already in order and without repeats (as `iter` gave them).
    pub(super) fn from_sorted(v: Vec<T>) -> Self {
        debug_assert!(v.windows(2).all(|w| w[0] < w[1]));
        Set(v)
    }

    /// Add `v`; false if it was there.
    pub fn insert(&mut self, v: T) -> bool {
        match self.0.binary_search(&v) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, v);
                true
            }
        }
    }

    pub fn contains<Q>(&self, v: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.0.binary_search_by(|x| x.borrow().cmp(v)).is_ok()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entries of both, in order.
    pub fn intersection<'a>(&'a self, other: &'a Set<T>) -> impl Iterator<Item = &'a T> + 'a {
        self.0.iter().filter(move |v| other.contains(*v))
    }

    pub fn is_subset(&self, other: &Set<T>) -> bool {
        self.0.iter().all(|v| other.contains(v))
    }

    pub fn is_disjoint(&self, other: &Set<T>) -> bool {
        !self.0.iter().any(|v| other.contains(v))
    }

    /// Keep only the entries `keep` says yes to (order is kept, so the set stays sorted).
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.0.retain(keep);
    }

    /// Drop spare capacity: sets are kept for every stored story.
    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }
}

impl<T: Ord> Extend<T> for Set<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for v in iter {
            self.insert(v);
        }
    }
}

impl<'a, T: Ord + Copy + 'a> Extend<&'a T> for Set<T> {
    fn extend<I: IntoIterator<Item = &'a T>>(&mut self, iter: I) {
        for v in iter {
            self.insert(*v);
        }
    }
}

impl<T: Ord> FromIterator<T> for Set<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut v: Vec<T> = iter.into_iter().collect();
        v.sort();
        v.dedup();
        Set(v)
    }
}

impl<'a, T> IntoIterator for &'a Set<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T> IntoIterator for Set<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_keeps_one_of_each_in_order() {
        let mut s: Set<&str> = ["无锡", "福州", "无锡"].into_iter().collect();
        assert!(s.insert("北京"));
        assert!(!s.insert("福州"));
        // In the order of their code points: 北 U+5317, 无 U+65E0, 福 U+798F.
        assert_eq!(s.iter().copied().collect::<Vec<_>>(), vec!["北京", "无锡", "福州"]);
        assert_eq!(s.len(), 3);
        assert!(s.contains("无锡") && !s.contains("上海"));
        let other: Set<&str> = ["福州", "上海", "北京"].into_iter().collect();
        assert_eq!(
            s.intersection(&other).copied().collect::<Vec<_>>(),
            vec!["北京", "福州"]
        );
    }
}
