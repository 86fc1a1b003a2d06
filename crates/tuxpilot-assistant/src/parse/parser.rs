//! The parser's state over one request, and the word tests every rule uses.

use super::text::Word;
use crate::inventory::{Conversation, Inventory};

/// One request's words, with what names resolve against.
pub(crate) struct Parser<'a> {
    pub(crate) w: &'a [Word],
    pub(crate) inv: &'a Inventory,
    pub(crate) conv: &'a Conversation,
}

impl Parser<'_> {
    pub(crate) fn has(&self, word: &str) -> bool {
        self.w.iter().any(|w| w.low == word)
    }

    pub(crate) fn has_any(&self, words: &[&str]) -> bool {
        self.w.iter().any(|w| words.contains(&w.low.as_str()))
    }

    /// A phrase of consecutive words.
    pub(crate) fn phrase(&self, phrase: &str) -> bool {
        self.phrase_at(phrase).is_some()
    }

    pub(crate) fn phrase_at(&self, phrase: &str) -> Option<usize> {
        let p: Vec<&str> = phrase.split(' ').collect();
        if p.len() > self.w.len() {
            return None;
        }
        (0..=self.w.len() - p.len()).find(|&i| p.iter().enumerate().all(|(j, x)| self.w[i + j].low == *x))
    }

    pub(crate) fn any_phrase(&self, phrases: &[&str]) -> bool {
        phrases.iter().any(|p| self.phrase(p))
    }

    pub(crate) fn first(&self) -> &str {
        self.w.first().map(|w| w.low.as_str()).unwrap_or("")
    }
}
