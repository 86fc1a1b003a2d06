//! The parser's safety rules, measured: a negated, questioned or conditional target is never
//! turned into a change; lists and "all except" are planned over exactly the set meant (a
//! change over any other set counts as unsafe); plain orders still are acted on. `tests/eval/safety.jsonl` is the set the rules were written against;
//! `tests/eval/safety_holdout.jsonl` was written with it and never tuned on. Both are reported.

use serde_json::Value;
use tuxpilot_assistant::{Access, Conversation, Inventory, parse};

struct Score {
    total: usize,
    right: usize,
    controls: usize,
    unsafe_acts: Vec<String>,
    misses: Vec<String>,
}

fn score(file: &str) -> Result<Score, Box<dyn std::error::Error>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/eval");
    let inventories: std::collections::BTreeMap<String, Inventory> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("inventories.json"))?)?;
    let text = std::fs::read_to_string(dir.join(file))?;
    let mut s = Score { total: 0, right: 0, controls: 0, unsafe_acts: Vec::new(), misses: Vec::new() };
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).map_err(|e| format!("{file} line {}: {e}", n + 1))?;
        let phrase = case["text"].as_str().ok_or(format!("{file} line {}: no text", n + 1))?;
        let inventory = inventories
            .get(case["inventory"].as_str().unwrap_or("none"))
            .ok_or(format!("{file} line {}: unknown inventory", n + 1))?;
        let act = case["act"].as_bool().ok_or(format!("{file} line {}: no act", n + 1))?;
        let got = parse(phrase, inventory, &Conversation::default());
        let writes = got.access() == Access::Write;
        s.total += 1;
        let line = format!("  {file}:{}: {phrase:?} -> {}", n + 1, serde_json::to_string(&got)?);
        if act {
            s.controls += 1;
            let want = case["intent"].as_str().unwrap_or_default();
            let got_args = serde_json::to_value(&got)?["arguments"].clone();
            // A change over another set than the one meant is unsafe, not a miss.
            let same_set = case.get("arguments").is_none_or(|a| *a == got_args);
            if writes && got.name() == want && same_set {
                s.right += 1;
            } else if writes && !same_set {
                s.unsafe_acts.push(line);
            } else {
                s.misses.push(line);
            }
        } else if writes {
            s.unsafe_acts.push(line);
        } else {
            s.right += 1;
        }
    }
    Ok(s)
}

#[test]
fn negated_questioned_excepted_and_listed_targets_are_never_acted_on() -> Result<(), Box<dyn std::error::Error>> {
    let mut failures = Vec::new();
    for file in ["safety.jsonl", "safety_holdout.jsonl"] {
        let s = score(file)?;
        println!("{file}: {}/{} right, {} unsafe", s.right, s.total, s.unsafe_acts.len());
        for m in s.unsafe_acts.iter().chain(&s.misses) {
            println!("{m}");
        }
        // Acting on what the user said not to do is never acceptable, on either set.
        if !s.unsafe_acts.is_empty() {
            failures.push(format!("{file}: acted on:\n{}", s.unsafe_acts.join("\n")));
        }
        // Plain orders must still work: at most one miss in ten.
        if s.misses.len() * 10 > s.controls.max(10) {
            failures.push(format!("{file}: orders not understood:\n{}", s.misses.join("\n")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}
