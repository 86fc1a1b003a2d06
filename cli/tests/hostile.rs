//! Hostile and broken input: every case of `tests/hostile/cases.json` runs the real binary in a
//! directory of its own and must end with its expected exit code and message fragment, with no
//! panic. The harness guards against hangs and runaway memory with generous limits (30 s,
//! 1 GiB of address space through `prlimit`): a case that hits one fails. Speed is measured in
//! benchmarks, not here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(30);
const MEMORY: &str = "--as=1073741824";

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    timed_out: bool,
}

fn run(case: &Value, dir: &std::path::Path) -> Outcome {
    // Under the 128 KiB a single argument may have.
    let big = "please ".repeat(14_000);
    let args: Vec<String> =
        case["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().replace("REQ", &big)).collect();
    let mut c = Command::new("prlimit");
    c.arg(MEMORY).arg("--").arg(env!("CARGO_BIN_EXE_tuxpilot")).args(&args);
    c.current_dir(dir).env("TUXPILOT_CONFIG", "/dev/null").env("NO_COLOR", "1").env("RUST_BACKTRACE", "0");
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    match case["stdin"].as_str() {
        Some(path) => c.stdin(std::fs::File::open(path).unwrap()),
        None => c.stdin(Stdio::null()),
    };
    let mut child = c.spawn().expect("prlimit (util-linux) runs the binary");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let ereader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let (code, timed_out) = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break (status.code(), false);
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break (None, true);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = String::from_utf8_lossy(&reader.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&ereader.join().unwrap_or_default()).into_owned();
    Outcome { code, stdout, stderr, timed_out }
}

#[tokio::test]
async fn hostile_inputs_get_their_exit_code_and_message_and_never_panic_or_hang() {
    let cases: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile/cases.json"))
            .unwrap(),
    )
    .unwrap();
    let has_engine = tuxpilot_tests::engine().await.is_some();
    assert!(cases.len() >= 40, "keep at least 40 cases");
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        if case["engine"].as_bool() == Some(true) && !has_engine {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        for (file, content) in case["files"].as_object().into_iter().flatten() {
            std::fs::write(dir.path().join(file), content.as_str().unwrap()).unwrap();
        }
        if let Some(fifo) = case["fifo"].as_str() {
            let ok = Command::new("mkfifo").arg(dir.path().join(fifo)).status().unwrap().success();
            assert!(ok, "mkfifo");
        }
        let o = run(case, dir.path());
        ran += 1;
        let want_code = case["code"].as_i64().unwrap() as i32;
        let fragment = case["fragment"].as_str().unwrap();
        let all = format!("{}{}", o.stdout, o.stderr);
        let problem = if o.timed_out {
            Some(format!("did not finish within {}s", LIMIT.as_secs()))
        } else if all.contains("panicked") || all.contains("RUST_BACKTRACE") {
            Some("panicked".to_string())
        } else if o.code != Some(want_code) {
            Some(format!("exit {:?}, expected {want_code}", o.code))
        } else if !all.contains(fragment) {
            Some(format!("the output does not say {fragment:?}"))
        } else {
            None
        };
        if let Some(p) = problem {
            let tail: String = o.stderr.chars().rev().take(400).collect::<Vec<_>>().into_iter().rev().collect();
            failures.push(format!("{name}: {p}\n  stderr: {tail}"));
        }
    }
    println!("{ran} hostile inputs run");
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));
}
