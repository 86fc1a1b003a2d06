//! The seed's `compose` forms: project options (`--file`, `-p/--project-name/--project`,
//! `--project-directory`, `--env-file`, `--profile`) are accepted after the verb as well as
//! before it (`tuxpilot compose up --file docker-compose.yml`, `compose down --project myapp`).
//! They are moved before the verb, where clap reads them; nothing else changes.

use std::ffi::OsString;

/// Top-level options that take a value.
const GLOBAL_VALUED: &[&str] = &["-H", "--host", "--config", "--format", "--timeout"];
/// Compose options (before the verb) that take a value.
const COMPOSE_VALUED: &[&str] = &[
    "-f",
    "--file",
    "-p",
    "--project-name",
    "--project",
    "--project-directory",
    "--env-file",
    "--profile",
    "--progress",
    "--parallel",
];
/// Project options that may come after the verb, long forms.
const MOVABLE_LONG: &[&str] =
    &["--file", "--project-name", "--project", "--project-directory", "--env-file", "--profile"];

/// Moves project options written after the `compose` verb to before it.
pub fn normalize(args: Vec<OsString>) -> Vec<OsString> {
    let text: Vec<Option<&str>> = args.iter().map(|a| a.to_str()).collect();
    // `tuxpilot [global options] compose [compose options] VERB …`
    let mut i = 1;
    while let Some(Some(t)) = text.get(i) {
        if !t.starts_with('-') {
            break;
        }
        i += if GLOBAL_VALUED.contains(t) { 2 } else { 1 };
    }
    if text.get(i) != Some(&Some("compose")) {
        return args;
    }
    i += 1;
    while let Some(Some(t)) = text.get(i) {
        if !t.starts_with('-') {
            break;
        }
        i += if COMPOSE_VALUED.contains(t) || GLOBAL_VALUED.contains(t) { 2 } else { 1 };
    }
    let verb_at = i;
    let Some(Some(verb)) = text.get(verb_at) else { return args };
    // Where `-f`/`-p` mean something else after the verb, only the long forms move.
    let short_f = !matches!(*verb, "logs" | "rm");
    let short_p = !matches!(*verb, "run" | "exec");
    // exec and run take a command after the service: only options before the service move.
    let stop_at_positional = matches!(*verb, "exec" | "run");

    let mut moved: Vec<OsString> = Vec::new();
    let mut rest: Vec<OsString> = Vec::new();
    let mut j = verb_at + 1;
    let mut passthrough = false;
    while j < args.len() {
        let a = &args[j];
        let t = text[j];
        if passthrough || t.is_none() {
            rest.push(a.clone());
            j += 1;
            continue;
        }
        let t = t.unwrap_or_default();
        if t == "--" || (stop_at_positional && !t.starts_with('-')) {
            passthrough = true;
            rest.push(a.clone());
            j += 1;
            continue;
        }
        let long_eq = MOVABLE_LONG.iter().any(|o| t.starts_with(&format!("{o}=")));
        let takes_next = MOVABLE_LONG.contains(&t) || (t == "-f" && short_f) || (t == "-p" && short_p);
        if long_eq {
            moved.push(a.clone());
            j += 1;
        } else if takes_next && j + 1 < args.len() {
            moved.push(a.clone());
            moved.push(args[j + 1].clone());
            j += 2;
        } else {
            rest.push(a.clone());
            j += 1;
        }
    }
    if moved.is_empty() {
        return args;
    }
    let mut out: Vec<OsString> = args[..verb_at].to_vec();
    out.extend(moved);
    out.push(args[verb_at].clone());
    out.extend(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        let v: Vec<OsString> = s.split(' ').map(OsString::from).collect();
        normalize(v).iter().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn project_options_after_the_verb_move_before_it() {
        assert_eq!(n("tuxpilot compose up --file docker-compose.yml"), "tuxpilot compose --file docker-compose.yml up");
        assert_eq!(n("tuxpilot compose down --project myapp"), "tuxpilot compose --project myapp down");
        assert_eq!(n("tuxpilot compose up -d -f a.yml -p x"), "tuxpilot compose -f a.yml -p x up -d");
        assert_eq!(
            n("tuxpilot --format json compose ps --file=a.yml"),
            "tuxpilot --format json compose --file=a.yml ps"
        );
        assert_eq!(
            n("tuxpilot -H tcp://h:2375 compose -f a.yml up --profile dev"),
            "tuxpilot -H tcp://h:2375 compose -f a.yml --profile dev up"
        );
    }

    #[test]
    fn what_means_something_else_after_the_verb_stays() {
        assert_eq!(n("tuxpilot compose logs -f web"), "tuxpilot compose logs -f web");
        assert_eq!(n("tuxpilot compose logs --follow --file a.yml"), "tuxpilot compose --file a.yml logs --follow");
        assert_eq!(n("tuxpilot compose rm -f"), "tuxpilot compose rm -f");
        assert_eq!(n("tuxpilot compose exec web sh -c --file"), "tuxpilot compose exec web sh -c --file");
        assert_eq!(n("tuxpilot compose run --rm -p 80 web"), "tuxpilot compose run --rm -p 80 web");
        assert_eq!(n("tuxpilot compose scale web=3"), "tuxpilot compose scale web=3");
        assert_eq!(n("tuxpilot containers list --file x"), "tuxpilot containers list --file x");
        assert_eq!(n("tuxpilot compose up -- --file"), "tuxpilot compose up -- --file");
    }
}
