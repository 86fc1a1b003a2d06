//! The offline parser against the evaluation set (tests/eval/phrasings.jsonl): every phrasing
//! with its expected intent and arguments. Prints the accuracy and every miss; the aim is 95 %.

use serde_json::Value;
use tuxpilot_assistant::{Conversation, Inventory, parse};

/// Arguments compared without `false` flags (their default), numbers as numbers.
fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter().filter(|(_, v)| **v != Value::Bool(false)).map(|(k, v)| (k.clone(), canonical(v))).collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        Value::Number(n) => n.as_f64().map(Value::from).unwrap_or(Value::Number(n.clone())),
        other => other.clone(),
    }
}

/// One file's score: total, right, misses, and per intent (total, right).
struct Score {
    total: usize,
    right: usize,
    /// Misses that change something: a write where none was meant, or over another set.
    unsafe_acts: usize,
    misses: Vec<String>,
    per_intent: std::collections::BTreeMap<String, (usize, usize)>,
}

fn score(files: &[&str]) -> Result<Score, Box<dyn std::error::Error>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/eval");
    let inventories: std::collections::BTreeMap<String, Inventory> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("inventories.json"))?)?;
    let (mut total, mut right, mut misses, mut unsafe_acts) = (0usize, 0usize, Vec::new(), 0usize);
    let mut per_intent: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for file in files {
        let text = std::fs::read_to_string(dir.join(file))?;
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let case: Value = serde_json::from_str(line).map_err(|e| format!("phrasings.jsonl line {}: {e}", n + 1))?;
            let phrase = case["text"].as_str().ok_or(format!("line {}: no text", n + 1))?;
            let inventory = inventories
                .get(case["inventory"].as_str().unwrap_or("none"))
                .ok_or(format!("line {}: unknown inventory", n + 1))?;
            let conversation: Conversation =
                serde_json::from_value(case.get("conversation").cloned().unwrap_or(Value::Null)).unwrap_or_default();
            let want_intent = case["intent"].as_str().unwrap_or_default();
            let got = parse(phrase, inventory, &conversation);
            let got_json = serde_json::to_value(&got)?;
            let ok = got.name() == want_intent
                && case.get("arguments").is_none_or(|want| canonical(want) == canonical(&got_json["arguments"]));
            total += 1;
            let e = per_intent.entry(want_intent.to_string()).or_default();
            e.0 += 1;
            if ok {
                right += 1;
                e.1 += 1;
            } else {
                if got.access() == tuxpilot_assistant::Access::Write {
                    unsafe_acts += 1;
                }
                misses.push(format!(
                    "  {file}:{}: {phrase:?}\n    want {want_intent} {}\n    got  {got_json}",
                    n + 1,
                    case.get("arguments").map(|a| a.to_string()).unwrap_or_default()
                ));
            }
        }
    }
    Ok(Score { total, right, unsafe_acts, misses, per_intent })
}

#[test]
fn the_parser_understands_the_evaluation_set() -> Result<(), Box<dyn std::error::Error>> {
    // Development: the hand-written set and the patterns the parser was developed against.
    let dev = score(&["phrasings.jsonl", "patterns.jsonl"])?;
    // Held out: whole phrasing patterns never looked at while developing (tests/eval/generate.py
    // holds out every third). Their misses are printed only on request, so that they are not
    // tuned on: TUXPILOT_EVAL_SHOW_HOLDOUT=1.
    let held = score(&["holdout.jsonl"])?;
    let pct = |s: &Score| s.right as f64 / s.total.max(1) as f64 * 100.0;
    println!(
        "offline parser accuracy, development: {}/{} = {:.1} %, {} unsafe",
        dev.right,
        dev.total,
        pct(&dev),
        dev.unsafe_acts
    );
    println!(
        "offline parser accuracy, held out:    {}/{} = {:.1} %, {} unsafe",
        held.right,
        held.total,
        pct(&held),
        held.unsafe_acts
    );
    for (intent, (n, ok)) in &dev.per_intent {
        println!("  {intent:<13} {ok}/{n}");
    }
    for m in &dev.misses {
        println!("{m}");
    }
    if std::env::var("TUXPILOT_EVAL_SHOW_HOLDOUT").is_ok_and(|v| v == "1") {
        for m in &held.misses {
            println!("held out: {m}");
        }
    }
    let total = dev.total + held.total;
    assert!(total >= 800, "the evaluation suite has {total} phrasings; keep at least 800");
    assert!(held.total * 5 >= total, "hold out at least a fifth of the suite ({} of {total})", held.total);
    assert!(pct(&dev) >= 97.0, "accuracy {:.1} % is under the 97 % aim:\n{}", pct(&dev), dev.misses.join("\n"));
    // A floor against regressions, below the measured 88.9 %: the aim is the development one.
    assert!(pct(&held) >= 85.0, "held-out accuracy {:.1} % is under 85 %", pct(&held));
    assert_eq!(held.unsafe_acts + dev.unsafe_acts, 0, "a phrasing was turned into a change not meant");
    Ok(())
}
