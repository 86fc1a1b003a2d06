//! `[containers.updates]` (pure): how often `updates watch` looks, where it reports, and the
//! daily window it may apply in (`"02:00-04:00"`, `"Mon-Fri 02:00-04:00"`, local time; a window
//! may cross midnight).

use std::time::Duration;

use chrono::{Datelike, NaiveTime, Timelike, Weekday};
use serde::{Deserialize, Serialize};

use crate::spec::DurationSpec;

/// `[containers.updates]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdatesConfig {
    /// Time between two checks of `updates watch` (default 5m).
    pub interval: DurationSpec,
    /// Where one JSON event per update applied, rolled back or blocked is POSTed.
    pub webhook: Option<String>,
    /// The daily window updates may be applied in; checks run at any time.
    pub schedule: Option<String>,
}

impl Default for UpdatesConfig {
    fn default() -> Self {
        Self { interval: DurationSpec(Duration::from_secs(300)), webhook: None, schedule: None }
    }
}

impl UpdatesConfig {
    /// The keys of `[containers.updates]`.
    pub const KEYS: &'static [&'static str] = &["interval", "webhook", "schedule"];

    /// Checks the values; the error names the key and the fix.
    pub fn validate(&self) -> Result<(), String> {
        if self.interval.0 < Duration::from_secs(10) {
            return Err("interval: at least 10s (a registry is asked once per image each time)".into());
        }
        if let Some(s) = &self.schedule {
            Schedule::parse(s).map_err(|e| format!("schedule: {e}"))?;
        }
        if let Some(w) = &self.webhook
            && !(w.starts_with("http://") || w.starts_with("https://"))
        {
            return Err(format!("webhook: {w:?} is not an http:// or https:// URL"));
        }
        Ok(())
    }
}

/// A daily window on some days of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Days it opens on (Monday = 0), each `true` when it does.
    pub days: [bool; 7],
    /// Opens.
    pub from: NaiveTime,
    /// Closes (before `from`: the window crosses midnight).
    pub to: NaiveTime,
}

fn day(s: &str) -> Result<usize, String> {
    let d: Weekday = s.trim().parse().map_err(|_| format!("{s:?} is not a day (Mon, Tue, … Sun)"))?;
    Ok(d.num_days_from_monday() as usize)
}

fn time(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| format!("{s:?} is not a time HH:MM"))
}

impl Schedule {
    /// Reads `"02:00-04:00"`, `"Mon-Fri 02:00-04:00"` or `"Sat,Sun 22:00-02:00"`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (days_part, window) = match text.rsplit_once(' ') {
            Some((d, w)) => (Some(d.trim()), w),
            None => (None, text),
        };
        let (from, to) = window.split_once('-').ok_or_else(|| {
            format!("{text:?}: write a window as HH:MM-HH:MM, with optional days first (\"Mon-Fri 02:00-04:00\")")
        })?;
        let (from, to) = (time(from)?, time(to)?);
        if from == to {
            return Err(format!("{text:?}: the window is empty"));
        }
        let mut days = [days_part.is_none(); 7];
        for part in days_part.unwrap_or("").split(',').filter(|p| !p.trim().is_empty()) {
            match part.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (day(a)?, day(b)?);
                    let mut d = a;
                    loop {
                        days[d] = true;
                        if d == b {
                            break;
                        }
                        d = (d + 1) % 7;
                    }
                }
                None => days[day(part)?] = true,
            }
        }
        Ok(Self { days, from, to })
    }

    /// Whether the window is open at `weekday` `t` (a window crossing midnight belongs to the
    /// day it opened on).
    pub fn is_open(&self, weekday: Weekday, t: NaiveTime) -> bool {
        let today = weekday.num_days_from_monday() as usize;
        let t = NaiveTime::from_hms_opt(t.hour(), t.minute(), t.second()).unwrap_or(t);
        if self.from < self.to {
            self.days[today] && t >= self.from && t < self.to
        } else {
            (self.days[today] && t >= self.from) || (self.days[(today + 6) % 7] && t < self.to)
        }
    }

    /// Whether it is open now, in local time.
    pub fn is_open_now(&self) -> bool {
        let now = chrono::Local::now();
        self.is_open(now.weekday(), now.time())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    #[test]
    fn windows_open_on_their_days() {
        let s = Schedule::parse("Mon-Fri 02:00-04:00").unwrap();
        assert!(s.is_open(Weekday::Mon, t("02:00")));
        assert!(s.is_open(Weekday::Fri, t("03:59")));
        assert!(!s.is_open(Weekday::Fri, t("04:00")));
        assert!(!s.is_open(Weekday::Sat, t("03:00")));
        let n = Schedule::parse("Sat,Sun 22:00-02:00").unwrap();
        assert!(n.is_open(Weekday::Sun, t("23:00")));
        assert!(n.is_open(Weekday::Mon, t("01:00")), "Sunday's window runs into Monday");
        assert!(!n.is_open(Weekday::Sat, t("01:00")), "Friday has no window");
        let every = Schedule::parse("02:00-04:00").unwrap();
        assert!(every.is_open(Weekday::Wed, t("02:30")));
        let wrap = Schedule::parse("Fri-Mon 01:00-02:00").unwrap();
        assert!(wrap.is_open(Weekday::Sun, t("01:30")) && !wrap.is_open(Weekday::Tue, t("01:30")));
    }

    #[test]
    fn bad_schedules_say_how_to_write_them() {
        for bad in ["2am-4am", "Mon-Fry 02:00-04:00", "02:00-02:00", "02:00"] {
            assert!(Schedule::parse(bad).is_err(), "{bad}");
        }
        assert!(
            UpdatesConfig { interval: DurationSpec(Duration::from_secs(1)), ..Default::default() }.validate().is_err()
        );
    }
}
