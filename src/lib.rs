//! qingdan (清单): publishes a government's power-and-responsibility lists.
//!
//! Data flows one way: `lists/ → Snapshot → {check, diff, index, render, export}`, and
//! `spreadsheets → import → lists/`. Each module is named after its stage.

pub mod atomic;
pub mod check;
pub mod diag;
pub mod diff;
pub mod error;
pub mod export;
pub mod feedback;
pub mod generate;
pub mod generate_tree;
pub mod import;
pub mod index;
pub mod model;
pub mod progress;
pub mod render;
pub mod schema;
pub mod searchlog;
pub mod serve;
pub mod snapshot;
pub mod timelimit;

pub use error::Error;
pub use snapshot::Snapshot;
