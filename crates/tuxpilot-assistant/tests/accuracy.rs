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

#[test]
fn the_parser_understands_the_evaluation_set() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/eval");
    let inventories: std::collections::BTreeMap<String, Inventory> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("inventories.json"))?)?;
    let text = std::fs::read_to_string(dir.join("phrasings.jsonl"))?;
    let (mut total, mut right, mut misses) = (0usize, 0usize, Vec::new());
    let mut per_intent: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
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
            misses.push(format!(
                "  line {}: {phrase:?}\n    want {want_intent} {}\n    got  {got_json}",
                n + 1,
                case.get("arguments").map(|a| a.to_string()).unwrap_or_default()
            ));
        }
    }
    let accuracy = right as f64 / total as f64 * 100.0;
    println!("offline parser accuracy: {right}/{total} = {accuracy:.1} %");
    for (intent, (n, ok)) in &per_intent {
        println!("  {intent:<13} {ok}/{n}");
    }
    for m in &misses {
        println!("{m}");
    }
    assert!(total >= 150, "the evaluation set has {total} phrasings; keep at least 150");
    assert!(accuracy >= 95.0, "accuracy {accuracy:.1} % is under the 95 % aim:\n{}", misses.join("\n"));
    Ok(())
}
