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
