//! Every flag that takes a number or a duration, driven with hostile values by proptest: the
//! command either accepts the value and finishes, or refuses it as a usage error (exit 2) that
//! names the flag. Never a panic (exit 101), a hang, or another failure. Runs the real binary;
//! the commands that need an engine are skipped without one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;

/// (arguments before the value, the flag, arguments after it, needs an engine).
const FLAGS: &[(&[&str], &str, &[&str], bool)] = &[
    (&["containers", "monitor", "--count", "1"], "--interval", &[], true),
    // `--count` is left out: a huge count at a short interval runs, rightly, for ever.
    (&["containers", "monitor", "--count", "1", "--alerts"], "--cpu-alert", &[], true),
    (&["containers", "monitor", "--count", "1", "--alerts"], "--memory-alert", &[], true),
    (&["containers", "monitor", "--count", "1", "--alerts"], "--disk-alert", &[], true),
    (&["containers", "monitor", "--count", "1", "--cpu-alert", "50"], "--alert-for", &[], true),
    (&["containers", "monitor", "--count", "1"], "--sample-window", &[], true),
    (&["containers", "monitor", "--count", "1"], "--concurrency", &[], true),
    (&["containers", "optimize", "tp-no-such-container"], "--window", &[], true),
    (&["containers", "optimize", "tp-no-such-container"], "--interval", &[], true),
    (&["containers", "deploy", "-f", "app.yaml", "--dry-run"], "--deployment-timeout", &[], true),
    (&["containers", "deploy", "-f", "app.yaml", "--dry-run"], "--health-check-timeout", &[], true),
    (&["containers", "deploy", "-f", "app.yaml", "--dry-run"], "--max-concurrent-deployments", &[], true),
    (&["containers", "logs", "tp-no-such-container"], "--tail", &[], true),
    (&["containers", "stop", "tp-no-such-container"], "-t", &[], true),
    (&["containers", "list"], "--timeout", &[], true),
];

/// Values people type by mistake, and values meant to break things.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "0",
            "-0",
            "-1",
            "-5",
            "1",
            "NaN",
            "nan",
            "inf",
            "-inf",
            "1e309",
            "1e-9",
            "0.0000001",
            "",
            " ",
            "0s",
            "-5s",
            "0ms",
            "1s1",
            "5x",
            "0x10",
            "99999999999h",
            "18446744073709551616",
            "340282366920938463463374607431768211456",
            "9223372036854775807",
            "4294967296",
            "1.5.5",
            "100000000000000000000d",
            "1ns",
            "٣",
            "5%",
            "1_000",
        ])
        .prop_map(str::to_string),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
        (0u64..100_000, prop::sample::select(vec!["ns", "ms", "s", "m", "h", "d", "y"]))
            .prop_map(|(n, u)| format!("{n}{u}")),
    ]
}

fn run(args: &[String], dir: &std::path::Path) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tuxpilot"))
        .args(args)
        .current_dir(dir)
        .env("TUXPILOT_CONFIG", "/dev/null")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn numbers_and_durations_are_accepted_or_refused_never_crash() {
    let engine = tokio::runtime::Runtime::new().unwrap().block_on(tuxpilot_tests::engine()).is_some();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.yaml"), "name: flagtest\ncontainers: {web: {image: nginx}}\n").unwrap();
    let flags: Vec<_> = FLAGS.iter().filter(|f| engine || !f.3).collect();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 256, ..ProptestConfig::default() });
    let result = runner.run(&(0..flags.len(), hostile()), |(i, value)| {
        let (before, flag, after, _) = flags[i];
        // A valid sample window of a minute takes a minute to give its one sample: accepted, and
        // too long to wait for here.
        let waits = *flag == "--sample-window"
            && humantime::parse_duration(value.trim()).is_ok_and(|d| d >= Duration::from_secs(20));
        if waits {
            return Ok(());
        }
        let mut args: Vec<String> = before.iter().map(|s| s.to_string()).collect();
        // `--flag=value`, so that a value starting with `-` is the value.
        args.push(format!("{flag}={value}"));
        args.extend(after.iter().map(|s| s.to_string()));
        let (code, stderr) = run(&args, dir.path());
        prop_assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
        prop_assert!(code.is_some(), "{args:?} did not finish in 30 s");
        let code = code.unwrap_or(-1);
        // Accepted (0, or the engine's own answer about the missing container: 3), or refused as
        // a usage error that says which flag.
        prop_assert!(matches!(code, 0 | 2 | 3), "{args:?}: exit {code}: {stderr}");
        if code == 2 {
            // The flag, or the config key it overrides (`--deployment-timeout`, `deployment_timeout`).
            let bare = flag.trim_start_matches('-');
            let named = stderr.contains(flag) || stderr.contains(bare) || stderr.contains(&bare.replace('-', "_"));
            prop_assert!(named, "{args:?}: the usage error does not name {flag}: {stderr}");
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
