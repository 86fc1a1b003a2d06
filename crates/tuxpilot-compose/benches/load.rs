//! How long loading a 1,000-service project takes (parse, interpolate, extends, merge,
//! normalize, validate). Results and the `docker-compose config` reference: docs/benchmarks.md.

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
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
