//! Writes the benchmark's generated project: `cargo run -p tuxpilot-compose --example
//! generate_project -- DIR [SERVICES]` (used by scripts/bench-compose-config.sh).

#[path = "../benches/generate.rs"]
mod generate;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: generate_project DIR [SERVICES]")?;
    let n: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1000);
    generate::generate(std::path::Path::new(&dir), n)?;
    Ok(())
}
