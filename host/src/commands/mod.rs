//! The commands besides serving: `compile`, `invoke` and `package`.

pub mod compile;
pub mod invoke;
pub mod package;
