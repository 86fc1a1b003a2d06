//! How long loading a 1,000-service project takes (parse, interpolate, extends, merge,
//! normalize, validate), and two hostile shapes that must load in linear time: a 65,535-port
//! range and a 2,000-link `extends` chain. Results and the `docker-compose config` reference:
//! docs/benchmarks.md.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;

use criterion::{Criterion, criterion_group, criterion_main};
use tuxpilot_compose::{LoadOptions, load, to_yaml};

mod generate;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    generate::generate(dir.path(), 1000).unwrap();
    let mut o = LoadOptions::new(dir.path());
    o.environment = HashMap::from([("HOME".to_string(), "/root".to_string())]);
    let loaded = load(&o).unwrap();
    assert_eq!(loaded.project.services.len(), 1001);
    c.bench_function("load 1000 services", |b| b.iter(|| load(&o).unwrap()));
    c.bench_function("print 1000 services as YAML", |b| b.iter(|| to_yaml(&loaded.project).unwrap()));
    c.bench_function("print 1000 services as YAML, no escaping", |b| {
        b.iter(|| tuxpilot_compose::to_yaml_raw(&loaded.project).unwrap())
    });

    // Hostile shapes, each at two sizes: twice the input must take about twice the time.
    for (name, sizes) in [("ports range", [32767usize, 65535]), ("extends chain", [1000, 2000])] {
        for n in sizes {
            let dir = tempfile::tempdir().unwrap();
            let text = if name == "ports range" {
                format!("services:\n  web:\n    image: nginx\n    ports: [\"1-{n}:1-{n}\"]\n")
            } else {
                let mut t = String::from("services:\n  s0:\n    image: nginx\n");
                for i in 1..n {
                    t.push_str(&format!("  s{i}:\n    extends: s{}\n", i - 1));
                }
                t
            };
            std::fs::write(dir.path().join("compose.yaml"), text).unwrap();
            let o = LoadOptions::new(dir.path());
            c.bench_function(&format!("load a {name} of {n}"), |b| b.iter(|| load(&o).unwrap()));
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
