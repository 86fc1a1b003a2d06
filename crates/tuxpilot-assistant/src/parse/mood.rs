//! Whether a request that would change something is an order. Only an order is acted on: a
//! request that says not to do it ("never remove api", "please don't restart web"), asks about
//! it ("should I restart api?", "what would happen if I removed db"), makes it wait on a
//! condition ("if api crashes, restart it"), excepts part of a set ("stop all except db"), or
//! names more targets than one intent carries ("stop api and db") is answered without a change.
//!
//! The rules read the words only, never the engine, and err towards not acting: a request they
//! hold back costs the user a rephrasing; one they let through wrongly costs a container.

use super::names::or_list;
use super::parser::Parser;
use super::text;
use crate::intent::{ClarifyArgs, Intent};
use crate::inventory::Resolved;

/// Why a request is not taken as an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeldBack {
    Negated,
    Question,
    Conditional,
    Exception,
    List,
}

/// For a request whose intent changes something: `Some` answer that changes nothing when it is
/// not an order.
pub(crate) fn held_back(request: &str, p: &Parser<'_>, intent: &Intent) -> Option<Intent> {
    let why = mood(request, p, intent)?;
    let what = crate::plan::plan(intent).summary;
    let question = match why {
        HeldBack::Negated => format!("You said not to, so I changed nothing (the request reads as: {what})."),
        HeldBack::Question => format!(
            "That reads as a question, so I changed nothing. The plan would be: {what}. {} To do it, say \"{what}\".",
            crate::plan::consequence(intent)
        ),
        HeldBack::Conditional => format!(
            "I act only on what to do now, not on a condition, so I changed nothing. To {what} now, say so; to \
             restart failed replicas of an app automatically, run `tuxpilot containers supervise`."
        ),
        HeldBack::Exception => {
            "I can plan \"all except …\" for start, stop, restart and remove only, so I changed nothing. Name what \
             to change."
                .to_string()
        }
        HeldBack::List => format!(
            "You named {}; this change takes one at a time, so I changed nothing. Ask for each in turn.",
            or_list(&named_targets(p, request)).replacen(" or ", " and ", 1)
        ),
    };
    Some(Intent::Clarify(ClarifyArgs { question }))
}

/// A conditional request that names a change ("if api crashes, restart it") whatever it was
/// read as: the answer is that nothing is done on a condition.
pub(crate) fn conditional_change(request: &str) -> Option<Intent> {
    let sentences = clauses(request);
    let all: Vec<String> = sentences.iter().flatten().cloned().collect();
    let changes_something = all.iter().any(|w| changes(w) && !matches!(w.as_str(), "set" | "add" | "change"));
    (conditional(&all) && changes_something).then(|| {
        Intent::Clarify(ClarifyArgs {
            question: "I act only on what to do now, not on a condition, so I changed nothing. Say what to do now; \
                       to restart failed replicas of an app automatically, run `tuxpilot containers supervise`."
                .into(),
        })
    })
}

/// "Avoid restarting api", "refrain from removing db", "no removing": a negated change
/// written as a gerund.
pub(crate) fn negated_gerund(request: &str) -> bool {
    clauses(request).iter().any(|c| {
        (0..c.len()).any(|i| {
            (negator(c, i)
                || matches!(c[i].as_str(), "refrain" | "avoid" | "without")
                || (c[i] == "hold" && c.get(i + 1).is_some_and(|n| n == "off")))
                && c.iter().skip(i + 1).take(5).any(|w| w.ends_with("ing") && changes(w))
        })
    })
}

/// "Is nuking the gateway a good idea?", "could stopping db cause downtime?": a question about
/// a change written as a gerund with its object (not "why is api restarting?", a state).
pub(crate) fn questioned_gerund(request: &str, words: &[super::text::Word]) -> bool {
    let all: Vec<String> = clauses(request).into_iter().flatten().collect();
    question(request, &all)
        && words.iter().enumerate().any(|(i, w)| {
            w.low.ends_with("ing")
                && changes(&w.low)
                && words.get(i + 1).is_some_and(|n| {
                    let n = if matches!(n.low.as_str(), "the" | "my" | "off" | "up" | "down") {
                        words.get(i + 2)
                    } else {
                        Some(n)
                    };
                    n.is_some_and(|n| !matches!(n.low.as_str(), "a" | "an" | "is" | "again" | "now"))
                })
        })
}

/// "I want the gateway recycled", "I need api restarted": an order put as what is wanted.
pub(crate) fn wanted_participle(request: &str) -> bool {
    let all: Vec<String> = clauses(request).into_iter().flatten().collect();
    // "… powered off", "… fired up": the participle before its particle.
    let end = match all.last().map(String::as_str) {
        Some("off" | "up" | "down" | "away") => all.len().saturating_sub(2),
        _ => all.len().saturating_sub(1),
    };
    all.iter().any(|w| matches!(w.as_str(), "want" | "need" | "needs" | "like" | "get"))
        && all.get(end).is_some_and(|w| !w.ends_with("ing") && super::text::imperative(w).is_some())
}

/// "Should the cache be killed?": a question about a change in the passive.
pub(crate) fn questioned_passive(request: &str) -> bool {
    let all: Vec<String> = clauses(request).into_iter().flatten().collect();
    question(request, &all)
        && all
            .windows(2)
            .any(|w| matches!(w[0].as_str(), "be" | "get" | "got" | "been") && super::text::imperative(&w[1]).is_some())
}

/// "What would happen if I stopped api?", "what if we removed db": a hypothetical about a change.
pub(crate) fn hypothetical(request: &str) -> bool {
    let all: Vec<String> = clauses(request).into_iter().flatten().collect();
    all.windows(2).any(|w| w[0] == "if" && matches!(w[1].as_str(), "i" | "we" | "you" | "someone" | "somebody"))
        && question(request, &all)
}

fn mood(request: &str, p: &Parser<'_>, intent: &Intent) -> Option<HeldBack> {
    let sentences = clauses(request);
    let all: Vec<String> = sentences.iter().flatten().cloned().collect();
    // Start, stop, restart and remove are planned over their whole set (lists, "all except"),
    // so "restart api, not db" is an exception there, not a negation.
    let planned = matches!(intent, Intent::Start(_) | Intent::Stop(_) | Intent::Restart(_) | Intent::Remove(_));
    if negated(&sentences, planned) {
        return Some(HeldBack::Negated);
    }
    // An alert is a condition by nature ("alert me if cpu goes above 80").
    if !matches!(intent, Intent::Monitor(_)) && conditional(&all) {
        return Some(HeldBack::Conditional);
    }
    if question(request, &all) {
        return Some(HeldBack::Question);
    }
    if !planned && exception(&all) {
        return Some(HeldBack::Exception);
    }
    // A deploy takes a list of images; the others act on one target.
    if !planned && !matches!(intent, Intent::Deploy(_)) && named_targets(p, request).len() >= 2 {
        return Some(HeldBack::List);
    }
    None
}

/// The request's clauses, each as lowercased words with contractions expanded. A clause ends at
/// sentence punctuation followed by a space (so `v1.2` and `worker.prod` stay whole) and before
/// words that start a new one ("restart api because it is not responding").
fn clauses(request: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = request.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next_blank = chars.get(i + 1).is_none_or(|n| n.is_whitespace());
        if matches!(c, ',' | ';' | '!' | '?' | ':' | '\n') || (c == '.' && next_blank) {
            out.push(words(&cur));
            cur.clear();
        } else {
            cur.push(c);
        }
    }
    out.push(words(&cur));
    // Conjunctions that start a clause of their own.
    let mut split = Vec::new();
    for clause in out {
        let mut part = Vec::new();
        for w in clause {
            if matches!(
                w.as_str(),
                "because" | "since" | "so" | "then" | "though" | "although" | "cause" | "cuz" | "but"
            ) && !part.is_empty()
            {
                split.push(std::mem::take(&mut part));
            }
            part.push(w);
        }
        split.push(part);
    }
    split.retain(|c| !c.is_empty());
    split
}

fn words(clause: &str) -> Vec<String> {
    text::words(clause).into_iter().map(|w| w.low).collect()
}

/// Verbs whose object a change is done to, in any form ("remove", "removing", "removed").
fn changes(word: &str) -> bool {
    const STEMS: &[&str] = &[
        "restart",
        "reboot",
        "bounce",
        "recycle",
        "reload",
        "remove",
        "delete",
        "rm",
        "destroy",
        "erase",
        "purge",
        "trash",
        "nuke",
        "wipe",
        "discard",
        "stop",
        "halt",
        "kill",
        "terminate",
        "pause",
        "start",
        "boot",
        "resume",
        "unpause",
        "scale",
        "deploy",
        "redeploy",
        "undeploy",
        "rollback",
        "roll",
        "revert",
        "downgrade",
        "undo",
        "upgrade",
        "update",
        "take",
        "bring",
        "shut",
        "tear",
        "turn",
        "switch",
        "touch",
        "change",
        "modify",
        "recreate",
        "clean",
        "drop",
        "prune",
        "wipe",
        "reset",
        "replace",
        "apply",
        "set",
        "add",
        "rid",
        "power",
        "fire",
        "spin",
        "cycle",
        "launch",
        "install",
        "provision",
        "wipe",
        "keep",
    ];
    if word == "rm" {
        return true;
    }
    // "auto-update", "auto-updated": the change is the update.
    if let Some(rest) = word.strip_prefix("auto-").or_else(|| word.strip_prefix("auto")).filter(|r| r.len() > 3) {
        return changes(rest);
    }
    STEMS.iter().any(|s| {
        let Some(rest) = word.strip_prefix(s.trim_end_matches('e')) else { return false };
        let doubled = s.chars().last().map(|c| format!("{c}")).unwrap_or_default();
        let e = if s.ends_with('e') { "e" } else { "" };
        let forms = [
            e.to_string(),
            format!("{e}s"),
            format!("{e}d"),
            "ing".into(),
            format!("{e}ed"),
            format!("{doubled}ing"),
            format!("{doubled}ed"),
            "al".into(),
            "ion".into(),
            "en".into(),
        ];
        forms.iter().any(|f| rest == f)
    }) || matches!(word, "took" | "taken" | "brought" | "tore" | "torn" | "deletion" | "removal" | "got")
}

/// A word that says not to: "never", "no", "avoid", or a "not" that is not describing a state
/// ("api does not start" describes; "do not start api", "you must not" forbid).
fn negator(clause: &[String], i: usize) -> bool {
    match clause[i].as_str() {
        "never" | "no" | "nor" | "avoid" | "avoiding" | "refrain" | "dont" | "nobody" | "none" | "without" => true,
        "hold" => clause.get(i + 1).is_some_and(|n| n == "off"),
        "not" => {
            let aux = i.checked_sub(1).map(|j| clause[j].as_str()).unwrap_or("");
            let subject = i.checked_sub(2).map(|j| clause[j].as_str()).unwrap_or("");
            let describes = matches!(
                aux,
                "does" | "did" | "is" | "are" | "was" | "were" | "has" | "have" | "had" | "can" | "could" | "will"
            ) && !matches!(subject, "you" | "u" | "i" | "we" | "")
                && !(aux == "can" && subject == "you");
            !describes
        }
        _ => false,
    }
}

/// A clause forbids a change: a negator at most five words before a verb of change. Unless the
/// change is planned over a set, a clause that starts with "not" ("remove api, not db") does
/// too.
fn negated(clauses: &[Vec<String>], planned: bool) -> bool {
    // "Never, ever restart api", "no, don't …": a clause of negation alone governs the next.
    let only_negation = |c: &Vec<String>| {
        (0..c.len()).any(|i| negator(c, i))
            && c.iter().all(|w| {
                matches!(
                    w.as_str(),
                    "never"
                        | "ever"
                        | "no"
                        | "not"
                        | "do"
                        | "dont"
                        | "please"
                        | "absolutely"
                        | "really"
                        | "definitely"
                        | "nope"
                        | "again"
                )
            })
    };
    let joined: Vec<Vec<String>> = clauses
        .iter()
        .enumerate()
        .map(|(k, c)| {
            if k > 0 && only_negation(&clauses[k - 1]) {
                clauses[k - 1].iter().chain(c).cloned().collect()
            } else {
                c.clone()
            }
        })
        .collect();
    let clauses = joined.as_slice();
    clauses.iter().enumerate().any(|(k, c)| {
        (0..c.len()).any(|i| negator(c, i) && c.iter().skip(i + 1).take(5).any(|w| changes(w)))
            // "stop not api"; "remove api, not db" where no set is planned
            || (c.first().is_some_and(|w| w == "not") && (!planned || k == 0))
    })
}

const POLITE: &[&str] = &["you", "u", "ya", "we"];

/// The words before the request proper ("hey", "ok", "tuxpilot", "please").
fn lead(all: &[String]) -> &[String] {
    let skip = all
        .iter()
        .take_while(|w| matches!(w.as_str(), "hey" | "hi" | "ok" | "okay" | "so" | "um" | "uh" | "tuxpilot" | "well"))
        .count();
    &all[skip..]
}

/// Asked about, not ordered: interrogative openings, "what would happen if", "should I", and a
/// bare "restart api?". Polite orders ("can you restart api?", "could we scale web") are orders.
fn question(request: &str, all: &[String]) -> bool {
    let w = lead(all);
    let first = w.first().map(String::as_str).unwrap_or("");
    let second = w.get(1).map(String::as_str).unwrap_or("");
    // "Could you restart api?" is an order; "would you recommend restarting api?" asks.
    let third = w.get(2).map(String::as_str).unwrap_or("");
    let polite = matches!(first, "please" | "kindly")
        || (matches!(first, "can" | "could" | "would" | "will")
            && POLITE.contains(&second)
            && !matches!(third, "recommend" | "advise" | "suggest" | "think" | "say" | "expect"));
    let phrase = |p: &str| {
        let p: Vec<&str> = p.split(' ').collect();
        all.windows(p.len()).any(|win| win.iter().zip(&p).all(|(a, b)| a == b))
    };
    let asks_about = [
        "what would",
        "what happens",
        "what if",
        "is it safe",
        "is it ok",
        "is it okay",
        "is it a good idea",
        "would it",
        "would that",
        "do you think",
        "should i",
        "should we",
        "wonder",
        "wondering",
        "whether",
        "hypothetically",
        "thinking about",
        "thinking of",
        "considering",
        "recommend",
        "advise",
    ]
    .iter()
    .any(|p| phrase(p));
    let interrogative = matches!(
        first,
        "should"
            | "shall"
            | "would"
            | "could"
            | "can"
            | "will"
            | "what"
            | "how"
            | "why"
            | "whether"
            | "is"
            | "are"
            | "am"
            | "does"
            | "do"
            | "did"
            | "was"
            | "were"
            | "may"
            | "might"
            | "which"
            | "who"
            | "suppose"
            | "imagine"
            | "hypothetically"
            | "wondering"
    ) && !(first == "do" && matches!(second, "not" | "me"));
    asks_about || (!polite && (interrogative || request.trim_end().ends_with('?')))
}

/// Waits on something that has not happened: "if api crashes, restart it", "restart api when
/// it goes down".
fn conditional(all: &[String]) -> bool {
    // Politeness, not a condition: "I'd appreciate it if you could…", "if you don't mind",
    // "when you get a chance", "when you can".
    let courtesy = |i: usize| {
        let next: Vec<&str> = all.iter().skip(i + 1).take(3).map(String::as_str).collect();
        matches!(
            next.as_slice(),
            ["you", "could" | "can" | "would" | "will" | "may", ..]
                | ["you", "do", "not", ..]
                | ["you", "dont", ..]
                | ["you", "get", ..]
                | ["you", "have", "a", ..]
                | ["it", "is", "ok" | "okay" | "possible" | "not"]
                | ["possible", ..]
        )
    };
    let kept: Vec<String> = all
        .iter()
        .enumerate()
        .filter(|(i, w)| !(matches!(w.as_str(), "if" | "when" | "whenever") && courtesy(*i)))
        .map(|(_, w)| w.clone())
        .collect();
    let all = kept.as_slice();
    let w = lead(all);
    let starts = |p: &[&str]| w.len() >= p.len() && w.iter().zip(p).all(|(a, b)| a == b);
    starts(&["if"])
        || starts(&["when"])
        || starts(&["whenever"])
        || starts(&["unless"])
        || starts(&["once"])
        || starts(&["in", "case"])
        || starts(&["as", "soon", "as"])
        || starts(&["after"])
        || all.iter().any(|x| {
            matches!(
                x.as_str(),
                "if" | "whenever"
                    | "unless"
                    | "once"
                    | "after"
                    | "when"
                    | "later"
                    | "tonight"
                    | "tomorrow"
                    | "midnight"
            )
        })
}

/// "all except db", "everything but api", "other than", "apart from".
fn exception(all: &[String]) -> bool {
    all.iter().enumerate().any(|(i, w)| {
        let prev = i.checked_sub(1).map(|j| all[j].as_str()).unwrap_or("");
        let next = all.get(i + 1).map(String::as_str).unwrap_or("");
        match w.as_str() {
            "except" | "excepting" | "excluding" | "exclude" | "besides" | "bar" | "barring" => true,
            "but" => {
                matches!(
                    prev,
                    "all"
                        | "everything"
                        | "every"
                        | "everyone"
                        | "containers"
                        | "container"
                        | "them"
                        | "ones"
                        | "services"
                        | "apps"
                ) || next == "not"
            }
            "other" | "apart" | "aside" | "save" => matches!(next, "than" | "from" | "for"),
            "not" => prev == "but" || next == "including",
            _ => false,
        }
    })
}

/// The targets a request lists: names joined by "and", "or", "as well as", "plus" or a comma
/// ("stop api and db", "remove a, b"; "both api and db").
fn named_targets(p: &Parser<'_>, request: &str) -> Vec<String> {
    let names: Vec<(usize, &str)> = p
        .name_words()
        .filter(|(i, w)| {
            p.inv.knows(&w.raw)
                || !matches!(p.inv.container(&w.raw), Resolved::Unknown(_))
                || p.plausible_name(*i)
                || w.raw.contains(['-', '.', '_'])
        })
        .map(|(i, w)| (i, w.raw.as_str()))
        .collect();
    let is_name = |i: usize| names.iter().any(|(j, _)| *j == i);
    let joiner = |i: usize| {
        p.w.get(i).is_some_and(|w| matches!(w.low.as_str(), "and" | "or" | "plus" | "nor" | "&"))
            || (p.w.get(i).is_some_and(|w| w.low == "as")
                && p.w.get(i + 1).is_some_and(|w| w.low == "well")
                && p.w.get(i + 2).is_some_and(|w| w.low == "as"))
    };
    let mut out: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        if !out.iter().any(|o| o == name) {
            out.push(name.to_string());
        }
    };
    for &(i, name) in &names {
        // NAME and NAME, NAME as well as NAME.
        let next = if p.w.get(i + 1).is_some_and(|w| w.low == "as") { i + 4 } else { i + 2 };
        if joiner(i + 1) && is_name(next) {
            add(name);
            add(p.w[next].raw.as_str());
        }
    }
    // NAME, NAME: the comma is gone from the words, so it is read off the request.
    let raw: Vec<&str> = request.split_whitespace().collect();
    for pair in raw.windows(2) {
        if let Some(a) = pair[0].strip_suffix(',') {
            let b = pair[1].trim_end_matches(['.', '!', '?', ',']);
            if names.iter().any(|(_, n)| *n == a) && names.iter().any(|(_, n)| *n == b) {
                add(a);
                add(b);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_of_change_in_their_forms() {
        for w in ["remove", "removing", "removed", "stop", "stopping", "stopped", "restarts", "scale", "scaling"] {
            assert!(changes(w), "{w}");
        }
        for w in ["responding", "running", "logs", "api", "stats", "status"] {
            assert!(!changes(w), "{w}");
        }
    }

    #[test]
    fn a_described_state_is_not_a_negation() {
        let c = |s: &str| clauses(s);
        assert!(!negated(&c("api does not start, restart it"), false));
        assert!(!negated(&c("api won't start restart it"), false));
        assert!(negated(&c("do not start api"), false));
        assert!(negated(&c("you can't remove api"), false));
        assert!(negated(&c("I don't want you to stop db"), true));
        assert!(negated(&c("remove api, not db"), false));
        assert!(!negated(&c("remove api, not db"), true));
    }
}
