//! The floors for `compose up` and `down` benchmarks: N create+start calls at once straight on
//! the engine (no planning, no dependencies), and then, with STOP_SECS, N stop calls at once
//! with that timeout followed each by its remove (what `down` must do at the least). Prints the
//! wall times in ms (`UP` or `UP DOWN`); the containers are removed either way.
//!
//! `cargo run --release -p tuxpilot-docker --example parallel_floor -- N IMAGE [STOP_SECS]`

use std::io::Write;
use std::time::Instant;

use futures_util::future::try_join_all;
use tuxpilot_docker::{BollardEngine, ConnectionConfig, ContainerSpec, Engine, RemoveOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(30);
    let image = args.next().unwrap_or_else(|| "tuxpilot-test/busybox:latest".into());
    let stop_secs: Option<u64> = args.next().map(|s| s.parse()).transpose()?;
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
    let remove = RemoveOptions { force: true, volumes: true };
    let Some(secs) = stop_secs else {
        try_join_all(ids.iter().map(|id| engine.remove_container(id, remove))).await?;
        writeln!(std::io::stdout(), "{ms}")?;
        return Ok(());
    };
    let start = Instant::now();
    try_join_all(ids.iter().map(|id| {
        let engine = engine.clone();
        async move {
            engine.stop_container(id, Some(std::time::Duration::from_secs(secs))).await?;
            engine.remove_container(id, remove).await
        }
    }))
    .await?;
    writeln!(std::io::stdout(), "{ms} {}", start.elapsed().as_millis())?;
    Ok(())
}
