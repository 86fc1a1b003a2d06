//! Parses each line of stdin against an evaluation inventory and prints the intent as JSON:
//! `cargo run --example try_parse -- default < requests.txt`.

use std::io::{BufRead, Write};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let name = std::env::args().nth(1).unwrap_or_else(|| "default".into());
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/eval");
    let inventories: std::collections::BTreeMap<String, tuxpilot_assistant::Inventory> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("inventories.json"))?)?;
    let inventory = inventories.get(&name).cloned().unwrap_or_default();
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let intent = tuxpilot_assistant::parse(&line, &inventory, &Default::default());
        writeln!(out, "{line:<50} => {}", serde_json::to_string(&intent)?)?;
    }
    Ok(())
}
