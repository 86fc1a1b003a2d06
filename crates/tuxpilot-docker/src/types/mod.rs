//! TuxPilot's own model of engine objects. No bollard type appears here.

mod container;
mod filters;
mod image;
mod network;
mod stats;
mod stream;
mod swarm;
mod system;

pub use container::*;
pub use filters::*;
pub use image::*;
pub use network::*;
pub use stats::*;
pub use stream::EngineStream;
pub use swarm::*;
pub use system::*;
