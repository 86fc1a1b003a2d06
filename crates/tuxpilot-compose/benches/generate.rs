//! Generates a large Compose project for benchmarks: `n` services using YAML anchors and merge
//! keys, `${…}` interpolation with defaults, `extends` (same file and another file), ports,
//! volumes, healthchecks and dependency chains.

use std::fmt::Write as _;
use std::path::Path;

/// Writes `compose.yaml`, `base.yml` and `.env` for `n` services into `dir`.
pub fn generate(dir: &Path, n: usize) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(".env"), "TAG=1.2.3\nREGISTRY=registry.example.com\n")?;
    std::fs::write(
        dir.join("base.yml"),
        "services:\n  base:\n    image: ${REGISTRY}/base:${TAG}\n    restart: unless-stopped\n    environment:\n      FROM_BASE: \"1\"\n",
    )?;
    let mut y = String::new();
    y.push_str("x-defaults: &defaults\n  restart: unless-stopped\n  logging:\n    driver: json-file\n    options: {max-size: 10m, max-file: \"3\"}\n  environment: &env\n    TZ: UTC\n    LOG_LEVEL: ${LOG_LEVEL:-info}\n");
    y.push_str("services:\n  template:\n    image: ${REGISTRY:-docker.io}/template:${TAG:?TAG is required}\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 30s\n");
    for i in 0..n {
        let _ = writeln!(y, "  svc{i}:");
        match i % 3 {
            0 => {
                let _ = writeln!(y, "    <<: *defaults\n    image: ${{REGISTRY:-docker.io}}/app{i}:${{TAG}}");
            }
            1 => {
                let _ = writeln!(y, "    extends: template\n    environment:\n      <<: *env\n      INDEX: \"{i}\"");
            }
            _ => {
                let _ = writeln!(y, "    extends:\n      file: base.yml\n      service: base");
            }
        }
        let _ = writeln!(
            y,
            "    ports: [\"{}:80\"]\n    volumes: [\"data{}:/data\", \"./conf/{i}:/etc/app:ro\"]",
            20000 + i,
            i % 10
        );
        if i % 10 != 0 {
            let _ = writeln!(y, "    depends_on: [svc{}]", i - i % 10);
        }
    }
    y.push_str("volumes:\n");
    for v in 0..10 {
        let _ = writeln!(y, "  data{v}: {{}}");
    }
    std::fs::write(dir.join("compose.yaml"), y)
}
