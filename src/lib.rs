//! banyue: a feed aggregator that drafts a biweekly industry brief.
//!
//! The module tree is the pipeline (see ARCHITECTURE.md):
//! [`config`] (sources) → [`fetch`] → [`extract`] → [`normalize`] → [`dedup`] →
//! [`classify`] → [`store`] → [`publish`] / [`draft`]; [`pipeline`] wires them together.

pub mod alert;
pub mod classify;
pub mod config;
pub mod daemon;
pub mod dedup;
pub mod demo;
pub mod draft;
pub mod eval;
pub mod extract;
pub mod fetch;
pub mod fsio;
pub mod health;
pub mod heap;
pub mod import;
pub mod model;
pub mod normalize;
pub mod pipeline;
pub mod probe;
pub mod publish;
pub mod review;
pub mod search;
pub mod serve;
pub mod store;
pub mod window;
pub mod xmltext;

/// What several modules' tests share.
#[cfg(test)]
pub(crate) mod testing {
    /// `count` texts of up to `max_len - 1` characters drawn from `alphabet`, the same
    /// for the same `seed`: mixtures no hand-written list thinks of, for tests that hold
    /// a fast path to the slow one it stands for.
    pub fn random_texts(alphabet: &str, seed: u64, count: usize, max_len: u64) -> Vec<String> {
        let alphabet: Vec<char> = alphabet.chars().collect();
        let mut next = xorshift(seed);
        (0..count)
            .map(|_| {
                let x = next();
                (0..x % max_len)
                    .map(|k| alphabet[((x >> ((k * 5) % 64)) % alphabet.len() as u64) as usize])
                    .collect()
            })
            .collect()
    }

    /// A xorshift generator: the same numbers for the same (non-zero) seed, for tests
    /// that draw their cases at random.
    pub fn xorshift(seed: u64) -> impl FnMut() -> u64 {
        let mut x = seed;
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }
}
