//! The floor for `compose up` benchmarks: N create+start calls at once straight on the engine
//! (no planning, no dependencies). Prints the wall time in ms, then removes the containers.
//!
//! `cargo run --release -p tuxpilot-docker --example parallel_floor -- N IMAGE`

use std::io::Write;
use std::time::Instant;

use futures_util::future::try_join_all;
use tuxpilot_docker::{BollardEngine, ConnectionConfig, ContainerSpec, Engine, RemoveOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(30);
    let image = args.next().unwrap_or_else(|| "tuxpilot-test/busybox:latest".into());
    let engine = BollardEngine::connect(&ConnectionConfig::from_env()).await?;
    let tag = std::process::id();
    let start = Instant::now();
    let ids = try_join_all((0..n).map(|i| {
        let engine = engine.clone();
        let image = image.clone();
        async move {
            let c = engine
                .create_container(ContainerSpec {
                    name: Some(format!("floor-{tag}-{i}")),
                    image,
                    command: Some(vec!["sleep".into(), "3600".into()]),
                    ..Default::default()
                })
                .await?;
            engine.start_container(&c.id).await?;
            Ok::<_, tuxpilot_docker::EngineError>(c.id)
        }
    }))
    .await?;
    let ms = start.elapsed().as_millis();
    try_join_all(ids.iter().map(|id| engine.remove_container(id, RemoveOptions { force: true, volumes: true })))
        .await?;
    writeln!(std::io::stdout(), "{ms}")?;
    Ok(())
}
