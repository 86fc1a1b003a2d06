//! Offline parsing speed: every phrasing of the evaluation set, against the larger test
//! inventory (9 containers, 2 apps). The aim is at most 20 ms a phrase; criterion reports
//! phrases per second (throughput) and the time of one pass over the set.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tuxpilot_assistant::{Conversation, Inventory, parse};

fn load() -> (Vec<String>, Inventory) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/eval");
    let inventories: std::collections::BTreeMap<String, Inventory> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("inventories.json")).unwrap()).unwrap();
    let phrases = std::fs::read_to_string(dir.join("phrasings.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["text"].as_str().unwrap().to_string())
        .collect();
    (phrases, inventories["default"].clone())
}

fn bench(c: &mut Criterion) {
    let (phrases, inventory) = load();
    let conversation = Conversation::default();
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Elements(phrases.len() as u64));
    g.bench_function("evaluation set", |b| {
        b.iter(|| {
            for p in &phrases {
                std::hint::black_box(parse(p, &inventory, &conversation));
            }
        })
    });
    let long = "could you please, if it is not too much trouble, deploy a web application with nginx and redis \
                for the shop team, and then scale the web service so that it can handle more traffic tonight"
        .to_string();
    g.throughput(Throughput::Elements(1));
    g.bench_function("a long request", |b| b.iter(|| std::hint::black_box(parse(&long, &inventory, &conversation))));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
