//! The targets of a request as a set: several names ("stop api and db", "restart a, b as well
//! as c"), everything but some ("stop all containers except db", "restart everything but not
//! the cache"), and names as users give them: a container, a service of a project or app
//! ("the shop db", "api of demo", "demo's api"), or a whole project.
//!
//! Structure first, names second: the words are split where an exception starts, each side's
//! names are read, and only then resolved against the inventory.

use super::parser::Parser;
use super::text::Word;
use crate::intent::{ClarifyArgs, Intent, LifecycleArgs};
use crate::inventory::Resolved;

/// The set a request names.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct TargetSet {
    /// Names acted on.
    pub(crate) names: Vec<String>,
    /// "all", "everything", "every container".
    pub(crate) all: bool,
    /// Names kept out.
    pub(crate) except: Vec<String>,
    /// A name that stands for several things in different places: ask.
    pub(crate) ambiguous: Option<(String, Vec<String>)>,
}

const JOINERS: &[&str] = &["and", "or", "plus", "nor", "&", "also", "then"];

impl Parser<'_> {
    /// `PROJECT/SERVICE` for the words at `i`, and how many words it took: "shop db",
    /// "db of shop", "db in the shop project", "db service of shop".
    pub(crate) fn pair_at(&self, i: usize) -> Option<(String, usize)> {
        let w = |k: usize| self.w.get(k).map(|x| x.raw.as_str()).unwrap_or("");
        let low = |k: usize| self.w.get(k).map(|x| x.low.as_str()).unwrap_or("");
        if self.inv.has_service(w(i), w(i + 1)) {
            return Some((format!("{}/{}", w(i), w(i + 1)), 2));
        }
        // "the shop project's db", "the demo app's api".
        if matches!(low(i + 1), "project" | "app" | "application" | "stack" | "compose")
            && self.inv.has_service(w(i), w(i + 2))
        {
            return Some((format!("{}/{}", w(i), w(i + 2)), 3));
        }
        let mut j = i + 1;
        if matches!(low(j), "service" | "container" | "containers" | "replica" | "replicas") {
            j += 1;
        }
        if matches!(low(j), "of" | "in" | "from" | "for" | "to" | "on") {
            j += 1;
            while matches!(low(j), "the" | "my" | "our" | "app" | "project" | "application" | "stack") {
                j += 1;
            }
            if self.inv.has_service(w(j), w(i)) {
                let mut used = j + 1 - i;
                if matches!(low(j + 1), "app" | "project" | "application" | "stack") {
                    used += 1;
                }
                return Some((format!("{}/{}", w(j), w(i)), used));
            }
        }
        None
    }

    /// The first service named as a pair anywhere in the request.
    pub(crate) fn first_pair(&self) -> Option<String> {
        (0..self.w.len()).find_map(|i| self.pair_at(i)).map(|(p, _)| p)
    }

    /// Where an exception starts, and where its names start: "except", "excluding", "but"
    /// after a set or before "not", "other than", "apart from", "aside from", "save for", a
    /// clause that starts with "not" ("restart api, not db"), "leaving db alone".
    fn exception_at(&self, request: &str) -> Option<(usize, usize)> {
        let low = |k: usize| self.w.get(k).map(|x| x.low.as_str()).unwrap_or("");
        for i in 0..self.w.len() {
            let prev = if i > 0 { low(i - 1) } else { "" };
            match low(i) {
                "except" | "excepting" | "excluding" | "exclude" => {
                    let skip = if matches!(low(i + 1), "for" | "that") { 2 } else { 1 };
                    return Some((i, i + skip));
                }
                "but" if low(i + 1) == "not" => return Some((i, i + 2)),
                "but" | "besides"
                    if matches!(
                        prev,
                        "all"
                            | "everything"
                            | "every"
                            | "containers"
                            | "container"
                            | "them"
                            | "ones"
                            | "services"
                            | "anything"
                    ) =>
                {
                    return Some((i, i + 1));
                }
                "other" | "apart" | "aside" | "save" if matches!(low(i + 1), "than" | "from" | "for") => {
                    return Some((i, i + 2));
                }
                "not" if i > 0 && (self.comma_before(request, i) || prev == "and") => return Some((i, i + 1)),
                "leave" | "leaving" | "keep" | "keeping" | "spare" | "sparing" if i > 0 => return Some((i, i + 1)),
                _ => {}
            }
        }
        None
    }

    /// Whether the request has a comma right before word `i` ("restart api, not db").
    fn comma_before(&self, request: &str, i: usize) -> bool {
        let Some(prev) = self.w.get(i.wrapping_sub(1)) else { return false };
        let Some(cur) = self.w.get(i) else { return false };
        let pattern_a = format!("{}, {}", prev.raw, cur.raw);
        let pattern_b = format!("{},{}", prev.raw, cur.raw);
        let lower = request.to_lowercase();
        lower.contains(&pattern_a.to_lowercase()) || lower.contains(&pattern_b.to_lowercase())
    }

    /// The names in words `from..to`: pairs, then known names, then words joined by "and",
    /// "or", a comma, "as well as" to a name.
    fn names_in(&self, from: usize, to: usize, request: &str) -> (Vec<String>, Option<(String, Vec<String>)>) {
        let candidates: Vec<usize> = self
            .name_words()
            .filter(|(i, w)| {
                *i >= from
                    && *i < to
                    && (self.inv.knows(&w.raw)
                        || self.inv.is_project(&w.raw)
                        || !matches!(self.inv.container(&w.raw), Resolved::Unknown(_))
                        || self.plausible_name(*i)
                        || w.raw.contains(['-', '.', '_']))
            })
            .map(|(i, _)| i)
            .collect();
        let mut chosen: Vec<usize> = candidates.clone();
        // Words joined to a name are names too: "stop foo and bar", "foo, bar".
        let joined = |i: usize, chosen: &[usize]| -> bool {
            let low = |k: usize| self.w.get(k).map(|x| x.low.as_str()).unwrap_or("");
            (i >= 2 && JOINERS.contains(&low(i - 1)) && chosen.contains(&(i - 2)))
                || (i >= 4
                    && low(i - 1) == "as"
                    && low(i - 2) == "well"
                    && low(i - 3) == "as"
                    && chosen.contains(&(i - 4)))
                || (i >= 1 && chosen.contains(&(i - 1)) && self.comma_before(request, i))
                || (i >= 3 && JOINERS.contains(&low(i - 1)) && low(i - 2) == "the" && chosen.contains(&(i - 3)))
                // "a together with b", "a along with b", "a in addition to b".
                || (i >= 3
                    && matches!((low(i - 2), low(i - 1)), ("together" | "along", "with") | ("addition", "to"))
                    && (chosen.contains(&(i - 3)) || chosen.contains(&(i - 4))))
        };
        for (i, w) in self.name_words() {
            if i >= from && i < to && !chosen.contains(&i) && joined(i, &chosen) && !is_verb_like(w) {
                chosen.push(i);
                chosen.sort_unstable();
            }
        }
        // Items of a list are joined ("a and b", "a, b"); a word the engine does not know that is
        // joined to nothing is not an item ("make sure you restart api": not `sure`).
        if chosen.len() >= 2 && !self.inv.is_empty() {
            let linked: Vec<usize> = chosen
                .iter()
                .copied()
                .filter(|&i| {
                    joined(i, &chosen)
                        || chosen.iter().any(|&j| j > i && joined(j, &chosen) && !between_names(&chosen, i, j))
                })
                .collect();
            chosen.retain(|&i| {
                linked.contains(&i)
                    || self.pair_at(i).is_some()
                    || !matches!(self.resolve(&self.w[i].raw), Resolved::Unknown(_))
                    || self.w[i].raw.contains(['-', '.', '_'])
            });
        }
        let mut out: Vec<String> = Vec::new();
        let mut ambiguous = None;
        let mut i = from;
        while i < to {
            if let Some((pair, used)) = self.pair_at(i)
                && i + used <= to
            {
                push(&mut out, pair);
                i += used;
                continue;
            }
            if chosen.contains(&i) {
                let raw = &self.w[i].raw;
                match self.resolve(raw) {
                    Resolved::One(n) | Resolved::Unknown(n) => push(&mut out, n),
                    Resolved::Many(options) => {
                        ambiguous.get_or_insert((raw.clone(), options));
                    }
                }
            }
            i += 1;
        }
        (out, ambiguous)
    }

    /// One name: a container; every replica of a service (`PROJECT/SERVICE`) when that is
    /// what it names; a project by its name.
    pub(crate) fn resolve(&self, word: &str) -> Resolved {
        if self.inv.containers.iter().any(|c| c.name == word) {
            return Resolved::One(word.to_string());
        }
        if self.inv.is_project(word) {
            return Resolved::One(word.to_string());
        }
        match self.inv.container(word) {
            Resolved::Many(names) => match self.inv.common_service(&names) {
                Some(svc) => Resolved::One(svc),
                None => Resolved::Many(names),
            },
            other => other,
        }
    }

    /// The set a request names.
    pub(crate) fn target_set(&self, request: &str) -> TargetSet {
        let (cut, rest) = self.exception_at(request).unwrap_or((self.w.len(), self.w.len()));
        // The exception runs to the end of its clause: the next verb or sentence break.
        let end = (rest..self.w.len())
            .find(|&k| {
                let l = self.w[k].low.as_str();
                matches!(l, "then" | "because" | "since" | "so")
                    || (k > rest && super::LIFECYCLE.iter().any(|(v, _)| v.contains(&l)))
            })
            .unwrap_or(self.w.len());
        let (names, amb1) = self.names_in(0, cut, request);
        let (except, amb2) = if rest < self.w.len() { self.names_in(rest, end, request) } else { (Vec::new(), None) };
        let all_words = self.w[..cut].iter().any(|w| {
            matches!(
                w.low.as_str(),
                "all" | "every" | "everything" | "everyone" | "containers" | "services" | "anything"
            )
        });
        TargetSet { all: all_words && names.is_empty(), names, except, ambiguous: amb1.or(amb2) }
    }

    /// A lifecycle request over its whole set: one target, several, or all but some.
    pub(crate) fn lifecycle_over_set(&self, request: &str, intent: Intent) -> Intent {
        let name = intent.name();
        let set = self.target_set(request);
        let excepting = self.exception_at(request).is_some();
        if !excepting && set.names.len() < 2 {
            return intent;
        }
        if let Some((word, options)) = set.ambiguous {
            return Intent::Clarify(ClarifyArgs {
                question: format!(
                    "`{word}` could be {}: which do you mean? Nothing was changed.",
                    super::names::or_list(&options)
                ),
            });
        }
        if !self.inv.is_empty()
            && let Some(n) =
                set.except.iter().find(|n| matches!(self.resolve(n), Resolved::Unknown(_)) && !n.contains('/'))
        {
            return Intent::Clarify(ClarifyArgs {
                question: format!(
                    "Nothing here is named `{n}`, so I changed nothing. Which containers should I leave out?"
                ),
            });
        }
        if self.list_is_a_choice() {
            return Intent::Clarify(ClarifyArgs {
                question: format!("Which should I {name}: {}? Nothing was changed.", super::names::or_list(&set.names)),
            });
        }
        if excepting && set.except.is_empty() {
            return Intent::Clarify(ClarifyArgs {
                question: format!(
                    "I could not tell which containers to leave out, so I changed nothing. Say it as \"{name} all except NAME\"."
                ),
            });
        }
        let args = if set.all || (set.names.is_empty() && excepting) {
            if name == "remove" {
                return Intent::Clarify(ClarifyArgs {
                    question:
                        "I do not remove every container at once, so I changed nothing. Name the ones to remove, \
                               or say \"clean up stopped containers\" to prune."
                            .into(),
                });
            }
            LifecycleArgs { target: "all".into(), targets: None, except: Some(set.except) }
        } else {
            let kept: Vec<String> = set.names.into_iter().filter(|n| !set.except.contains(n)).collect();
            match kept.len() {
                0 => {
                    return Intent::Clarify(ClarifyArgs {
                        question: "Nothing is left to change once the exceptions are taken out, so I changed nothing."
                            .into(),
                    });
                }
                1 => LifecycleArgs::one(kept[0].clone()),
                _ => LifecycleArgs { target: String::new(), targets: Some(kept), except: None },
            }
        };
        super::lifecycle_intent(name, args)
    }
}

impl Parser<'_> {
    /// "restart api or db": a choice, not a list.
    fn list_is_a_choice(&self) -> bool {
        self.w.iter().any(|w| w.low == "or") && !self.has_any(&["and", "both", "plus"])
    }
}

/// Whether another chosen word stands between `i` and `j` (then `j` is joined to that one).
fn between_names(chosen: &[usize], i: usize, j: usize) -> bool {
    chosen.iter().any(|&k| k > i && k < j)
}

fn push(out: &mut Vec<String>, name: String) {
    if !out.contains(&name) {
        out.push(name);
    }
}

/// A word joined by "and" that starts a second request ("stop api and show its logs").
fn is_verb_like(w: &Word) -> bool {
    super::words::CUES.contains(&w.low.as_str())
}
