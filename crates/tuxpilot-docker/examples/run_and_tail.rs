//! Runs a container that prints a few lines, follows its logs until it exits, and removes it.
//!
//! `cargo run -p tuxpilot-docker --example run_and_tail -- [IMAGE]` (default: the local test image
//! that `scripts/dev-engine.sh` builds).

use futures_util::StreamExt;
use tuxpilot_docker::{BollardEngine, ConnectionConfig, ContainerSpec, Engine, LogOptions, LogStream, RemoveOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let image = std::env::args().nth(1).unwrap_or_else(|| "tuxpilot-test/busybox:latest".into());
    let engine = BollardEngine::connect(&ConnectionConfig::from_env()).await?;
    let created = engine
        .create_container(ContainerSpec {
            image,
            command: Some(vec![
                "sh".into(),
                "-c".into(),
                "for i in 1 2 3; do echo tick $i; sleep 0.3; done; echo done >&2".into(),
            ]),
            ..Default::default()
        })
        .await?;
    engine.start_container(&created.id).await?;
    let mut logs = engine.logs(&created.id, LogOptions { follow: true, ..Default::default() });
    while let Some(chunk) = logs.next().await {
        let chunk = chunk?;
        let stream = if chunk.stream == LogStream::Stderr { "err" } else { "out" };
        eprint!("[{stream}] {}", chunk.message);
    }
    let exit = engine.wait_container(&created.id).await?;
    engine.remove_container(&created.id, RemoveOptions { force: true, volumes: true }).await?;
    eprintln!("exited with {}", exit.code);
    Ok(())
}
