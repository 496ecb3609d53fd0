//! The commands besides serving: `compile`, `invoke` and `package`.

pub(crate) mod compile;
pub(crate) mod invoke;
pub(crate) mod package;
