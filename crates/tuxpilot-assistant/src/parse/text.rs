//! Words of a request: split, cleaned of punctuation and politeness, contractions expanded,
//! typos of our vocabulary corrected, numbers read.

use super::words::{FILLERS, VOCABULARY, is_common};

/// One word of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// As typed, punctuation around it trimmed (names keep their case).
    pub raw: String,
    /// Lowercased, with a typo of a vocabulary word corrected.
    pub low: String,
    /// Quoted or back-quoted by the user.
    pub quoted: bool,
}

/// Splits and cleans a request.
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    for piece in split(text) {
        let (piece, quoted) = piece;
        for expanded in expand(&piece) {
            let raw = expanded;
            if raw.is_empty() {
                continue;
            }
            let low = raw.to_lowercase();
            out.push(Word { low, raw, quoted });
        }
    }
    out
}

/// Splits on whitespace and commas, keeping quoted parts together, and trims sentence
/// punctuation that is not part of a name (`web.` → `web`, `v1.2` stays).
fn split(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut was_quoted = false;
    let flush = |cur: &mut String, quoted: bool, out: &mut Vec<(String, bool)>| {
        let t = if quoted {
            cur.trim().to_string()
        } else {
            // A leading `.` stays (`./shop`, `.env`); a trailing one ends a sentence.
            cur.trim_start_matches(|c: char| {
                matches!(c, ',' | '!' | '?' | ';' | ':' | '(' | ')' | '[' | ']' | '{' | '}' | '"' | '\'' | '`')
            })
            .trim_end_matches(|c: char| {
                matches!(c, ',' | '.' | '!' | '?' | ';' | ':' | '(' | ')' | '[' | ']' | '{' | '}' | '"' | '\'' | '`')
            })
            .to_string()
        };
        if !t.is_empty() {
            out.push((t, quoted));
        }
        cur.clear();
    };
    for c in text.chars() {
        match quote {
            Some(q) if c == q => {
                flush(&mut cur, true, &mut out);
                quote = None;
                was_quoted = false;
            }
            Some(_) => cur.push(c),
            None if matches!(c, '"' | '`' | '“' | '”') && cur.is_empty() => {
                quote = Some(if c == '“' { '”' } else { c });
                was_quoted = true;
            }
            None if c.is_whitespace() || c == ',' || c == ';' => flush(&mut cur, false, &mut out),
            None => cur.push(c),
        }
    }
    flush(&mut cur, was_quoted, &mut out);
    out
}

/// Contractions into their words; `&` into `and`.
fn expand(word: &str) -> Vec<String> {
    let w = word.replace('’', "'");
    let low = w.to_lowercase();
    let pairs: &[(&str, &[&str])] = &[
        ("what's", &["what", "is"]),
        ("whats", &["what", "is"]),
        ("where's", &["where", "is"]),
        ("who's", &["who", "is"]),
        ("it's", &["it", "is"]),
        ("that's", &["that", "is"]),
        ("there's", &["there", "is"]),
        ("isn't", &["is", "not"]),
        ("aren't", &["are", "not"]),
        ("doesn't", &["does", "not"]),
        ("don't", &["do", "not"]),
        ("didn't", &["did", "not"]),
        ("won't", &["will", "not"]),
        ("can't", &["can", "not"]),
        ("cannot", &["can", "not"]),
        ("wont", &["will", "not"]),
        ("i'd", &["i", "would"]),
        ("i'm", &["i", "am"]),
        ("let's", &["let", "us"]),
        ("&", &["and"]),
        ("+", &["and"]),
    ];
    for (from, to) in pairs {
        if low == *from {
            return to.iter().map(|s| s.to_string()).collect();
        }
    }
    // Any other "n't": "shouldn't" → should not, "mustn't" → must not.
    if let Some(stem) = low.strip_suffix("n't").filter(|s| s.len() >= 2) {
        let stem = match stem {
            "sha" => "shall",
            "ai" => "is",
            other => other,
        };
        return vec![stem.to_string(), "not".to_string()];
    }
    // "web's logs": the name.
    if let Some(stem) = w.strip_suffix("'s") {
        return vec![stem.to_string()];
    }
    vec![w]
}

/// The imperative of a change verb in the past ("stopped" → "stop", "got" → "get"), for
/// hypotheticals ("what would happen if I stopped api?").
pub fn imperative(word: &str) -> Option<&'static str> {
    const VERBS: &[&str] = &[
        "restart",
        "reboot",
        "bounce",
        "recycle",
        "reload",
        "remove",
        "delete",
        "destroy",
        "erase",
        "purge",
        "nuke",
        "wipe",
        "stop",
        "halt",
        "kill",
        "terminate",
        "pause",
        "start",
        "boot",
        "resume",
        "scale",
        "deploy",
        "redeploy",
        "prune",
        "power",
        "fire",
        "trash",
        "recycle",
    ];
    if word == "got" {
        return Some("get");
    }
    if word == "shut" {
        return Some("shut");
    }
    VERBS.iter().copied().find(|v| {
        let e = if v.ends_with('e') { "d" } else { "ed" };
        let doubled = v.chars().last().map(|c| format!("{c}ed")).unwrap_or_default();
        let doubled_ing = v.chars().last().map(|c| format!("{c}ing")).unwrap_or_default();
        word.strip_prefix(v).is_some_and(|rest| rest == e || rest == doubled || rest == "ing" || rest == doubled_ing)
            || (v.ends_with('e') && word.strip_prefix(&v[..v.len() - 1]).is_some_and(|r| r == "ing"))
    })
}

/// Drops leading politeness ("could you please", "I'd like to") and trailing thanks.
pub fn strip_fillers(words: &mut Vec<Word>) {
    let lead = words.iter().take_while(|w| !w.quoted && FILLERS.contains(&w.low.as_str())).count();
    // Keep "help" when it is all there is, and "help" followed by nothing known.
    if lead == words.len() {
        words.retain(|w| w.low == "help");
        return;
    }
    words.drain(..lead);
    while let Some(last) = words.last() {
        if matches!(last.low.as_str(), "please" | "pls" | "thanks" | "thx" | "now" | "asap" | "quickly") {
            words.pop();
        } else {
            break;
        }
    }
    // "thank you" at the end.
    if words.len() >= 2 && words[words.len() - 2].low == "thank" && words[words.len() - 1].low == "you" {
        words.truncate(words.len() - 2);
    }
}

/// Corrects near misses of vocabulary words, leaving names the engine knows alone.
pub fn correct_typos(words: &mut [Word], known: &dyn Fn(&str) -> bool) {
    for w in words.iter_mut() {
        if w.quoted || w.low.len() < 4 || !w.low.chars().all(|c| c.is_ascii_alphabetic()) {
            continue;
        }
        if VOCABULARY.contains(&w.low.as_str()) || known(&w.raw) || is_common(&w.low) {
            continue;
        }
        // Two edits only for long words: "reverse" is not a typo of "revert", nor "trash" of "crash".
        let max = if w.low.len() >= 9 { 2 } else { 1 };
        let mut best: Option<(&str, usize)> = None;
        for v in VOCABULARY {
            if v.len().abs_diff(w.low.len()) > max {
                continue;
            }
            let d = distance(&w.low, v);
            if d <= max && best.is_none_or(|(_, bd)| d < bd) {
                best = Some((v, d));
            }
        }
        if let Some((v, _)) = best {
            w.low = v.to_string();
            // A corrected template name is also the name to use.
            if w.raw.chars().all(|c| c.is_ascii_alphabetic()) {
                w.raw = v.to_string();
            }
        }
    }
}

/// Optimal-string-alignment distance (Damerau–Levenshtein with adjacent transpositions).
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

/// A number written as digits or a word ("3", "three", "a couple" is handled by callers).
pub fn number(word: &str) -> Option<u64> {
    let w = word.trim_end_matches('%');
    if let Ok(n) = w.parse::<u64>() {
        return Some(n);
    }
    let words = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    if let Some(i) = words.iter().position(|x| *x == w) {
        return Some(i as u64);
    }
    match w {
        "thirty" => Some(30),
        "forty" => Some(40),
        "fifty" => Some(50),
        "sixty" => Some(60),
        "seventy" => Some(70),
        "eighty" => Some(80),
        "ninety" => Some(90),
        "hundred" => Some(100),
        "single" | "once" => Some(1),
        "twice" | "pair" => Some(2),
        "dozen" => Some(12),
        _ => None,
    }
}

/// A percentage or plain number ("80%", "80", "0.8" is not read as 80).
pub fn percent(word: &str) -> Option<f64> {
    let w = word.trim_end_matches('%').trim_end_matches("percent");
    w.parse::<f64>().ok().filter(|v| v.is_finite()).or_else(|| number(w).map(|n| n as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_trims() {
        let w: Vec<String> = words("Please, show the logs of `shop-web-1`.").into_iter().map(|w| w.raw).collect();
        assert_eq!(w, ["Please", "show", "the", "logs", "of", "shop-web-1"]);
        let w: Vec<String> = words("what's up with registry.example.com/a:1.2?").into_iter().map(|w| w.low).collect();
        assert_eq!(w, ["what", "is", "up", "with", "registry.example.com/a:1.2"]);
    }

    #[test]
    fn corrects_typos_of_known_words_only() {
        let mut w = words("dploy ngnix and reddis, restrat shop-web-1");
        correct_typos(&mut w, &|_| false);
        let low: Vec<&str> = w.iter().map(|w| w.low.as_str()).collect();
        assert_eq!(low, ["deploy", "nginx", "and", "redis", "restart", "shop-web-1"]);
        assert_eq!(distance("ab", "ba"), 1);
    }
}
