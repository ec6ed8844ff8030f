//! The practice's words as types: kinds of entry, their fields, and how each value is checked. No I/O.

pub mod bank_holidays;
pub mod clash;
pub mod fields;
pub mod nhs;
pub mod problem;
pub mod snomed;
pub mod text;
pub mod time;

pub use problem::{Problem, Warning};
