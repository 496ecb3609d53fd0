//! The commands besides serving: `build`, `compile`, `invoke`, `new` and `package`.

pub(crate) mod build;
pub(crate) mod compile;
mod events;
pub(crate) mod invoke;
mod linkage;
pub(crate) mod new;
pub(crate) mod package;
