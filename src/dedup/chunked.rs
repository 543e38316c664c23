//! A list that grows by fixed chunks, for the near-duplicate index's per-story entries
//! and its postings' lists.
//!
//! A `Vec` grows by doubling: past 65,536 stories its buffer holds room for 131,072, and
//! while it grows the old buffer and the new one are both alive. The index's lists of a
//! cold run's 71k stories held about 5 MB of such room. Chunks are never moved: the list
//! holds at most one chunk's room it does not use.

/// Entries a chunk holds.
const CHUNK: usize = 4096;

#[derive(Clone, Debug)]
pub(super) struct Chunked<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Chunked<T> {
    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn push(&mut self, value: T) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK => last.push(value),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(value);
                self.chunks.push(chunk);
            }
        }
        self.len += 1;
    }

    pub(super) fn get(&self, i: usize) -> Option<&T> {
        self.chunks.get(i / CHUNK)?.get(i % CHUNK)
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flatten()
    }

    /// The bytes it holds room for (a debugging figure).
    pub(super) fn footprint(&self) -> usize {
        self.chunks.len() * CHUNK * std::mem::size_of::<T>() + self.chunks.capacity() * std::mem::size_of::<Vec<T>>()
    }
}

impl<T> std::ops::Index<usize> for Chunked<T> {
    type Output = T;

    fn index(&self, i: usize) -> &T {
        &self.chunks[i / CHUNK][i % CHUNK]
    }
}

impl<T> std::ops::IndexMut<usize> for Chunked<T> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        &mut self.chunks[i / CHUNK][i % CHUNK]
    }
}

impl<T> IntoIterator for Chunked<T> {
    type Item = T;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Vec<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.chunks.into_iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_found_where_a_vec_keeps_them_across_chunks() {
        let mut list = Chunked::default();
        let mut plain = Vec::new();
        for i in 0..(2 * CHUNK + 7) {
            list.push(i * 3);
            plain.push(i * 3);
            assert_eq!(list.len(), plain.len());
        }
        for i in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 2 * CHUNK + 6] {
            assert_eq!(list.get(i), plain.get(i), "entry {i}");
            assert_eq!(list[i], plain[i], "entry {i}");
        }
        assert_eq!(list.get(2 * CHUNK + 7), None);
        assert!(list.iter().eq(plain.iter()));
        list[CHUNK + 1] = 1;
        plain[CHUNK + 1] = 1;
        assert_eq!(
            list.footprint(),
            3 * CHUNK * 8 + list.chunks.capacity() * 24,
            "three chunks, no more"
        );
        assert_eq!(list.into_iter().collect::<Vec<_>>(), plain);
    }
}
