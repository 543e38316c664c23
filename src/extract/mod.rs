//! The extract stage: turn a fetched document into [`RawItem`]s.
//!
//! Pure functions of text: no I/O here, so every parser is tested on fixtures alone.

pub mod dates;
pub mod feed;
pub mod html;
pub mod json;
pub mod loose;
pub mod policy;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ExtractError {
    #[error("not a feed: {0}")]
    NotAFeed(String),
    #[error("malformed feed: {0}")]
    Malformed(String),
    #[error("the list selectors matched no items")]
    Empty,
    #[error("reading the page took longer than {0} s")]
    TooSlow(u64),
}
