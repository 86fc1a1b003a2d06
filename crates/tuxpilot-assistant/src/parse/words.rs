//! The parser's vocabulary: cue words, words that are never names, templates' names.

/// Words that are never a container, service or app name.
#[rustfmt::skip]
pub(crate) const STOP: &[&str] = &[
    "release", "releases", "deployed", "update", "updates", "change", "changes", "build", "builds",
    "real", "time",
    "the", "a", "an", "my", "our", "your", "his", "her", "their", "this", "that", "these", "those", "it", "its",
    "them", "they", "container", "containers", "service", "services", "app", "apps", "application", "applications",
    "please", "of", "for", "on", "in", "to", "from", "with", "and", "or", "me", "us", "is", "are", "was", "were",
    "be", "been", "being", "do", "does", "did", "what", "why", "how", "when", "where", "which", "who", "can", "could",
    "would", "should", "will", "shall", "may", "might", "must", "up", "down", "out", "off", "all", "every",
    "everything", "some", "any", "now", "again", "right", "just", "named", "called", "has", "have", "had", "keep",
    "keeps", "kept", "going", "there", "here", "about", "at", "by", "as", "so", "if", "then", "than", "not", "no",
    "yes", "i", "you", "we", "he", "she", "new", "old", "current", "currently", "running", "stopped", "latest",
    "lines", "line", "last", "first", "more", "less", "also", "too", "very", "much", "many", "one", "ones",
    "instance", "instances", "replica", "replicas", "copies", "copy", "version", "versions", "previous", "back",
    "roll", "deployment", "deployments", "thing", "stuff", "one's", "again", "problem", "bit", "little", "details",
    "detail", "like", "want", "need", "get", "got", "give", "tell", "let", "make", "see", "look", "happening",
    "happened", "going", "still", "system", "machine", "engine", "docker", "host", "server", "name", "status",
    "state", "info", "information", "working", "work", "works", "anything", "something", "nothing", "check",
    "percent", "%", "cpu", "memory", "mem", "ram", "realtime", "real-time", "live", "lately", "recently", "today",
    "yesterday", "time", "times", "quick", "quickly", "please", "thanks", "everyone", "each", "other", "own",
    "currently", "handle", "traffic", "load", "users", "requests", "capacity", "demand", "so", "it's", "hey", "then",
    "using", "based", "while", "since", "until", "after", "before", "during", "over", "under", "above", "below",
    "into", "onto", "via", "per", "once", "twice", "exactly", "total", "number", "count",
    "except", "excepting", "excluding", "but", "besides", "apart", "aside", "both", "either", "neither", "nor",
    "well", "only", "leave", "alone", "untouched", "background", "foreground", "addition", "together", "along",
    "single", "yo", "alright", "favour", "favor", "power", "fire",
];

/// Words that carry an intent (never taken as a name).
#[rustfmt::skip]
pub(crate) const CUES: &[&str] = &[
    "over-provisioned", "overprovisioned", "oversized", "undersized", "over-allocated", "under-provisioned",
    "list", "ls", "ps", "show", "display", "inspect", "describe", "start", "stop", "restart", "reboot", "bounce",
    "remove", "delete", "rm", "kill", "halt", "terminate", "destroy", "logs", "log", "tail", "follow", "stream",
    "deploy", "redeploy", "launch", "install", "create", "setup", "set", "spin", "scale", "scaled", "rollback",
    "revert", "undo", "history", "scan", "audit", "security", "secure", "vulnerabilities", "vulnerability",
    "vulnerable", "optimize", "optimise", "monitor", "monitoring", "watch", "stats", "usage", "alert", "alerts",
    "diagnose", "debug", "troubleshoot", "wrong", "crash", "crashing", "crashed", "failing", "failed", "broken",
    "unhealthy", "dead", "died", "exited", "compose", "project", "help", "image", "images", "run", "bring", "take",
    "tear", "shut", "turn", "boot", "resume", "pause", "sort", "sorted", "top", "threshold", "thresholds", "output",
    "restarting", "oom", "error", "errors", "issue", "issues", "fix", "investigate", "explain", "metrics",
    "statistics", "notify", "dashboard", "resources", "resource", "limits", "limit", "reduce", "recommend",
    "recommendations", "checks", "cis", "cve", "cves", "find", "scale-up", "scale-down", "upgrade", "downgrade",
    "purge", "erase", "recycle", "reload", "config", "configuration", "env", "environment", "ports", "ip", "address",
    "health", "healthy", "include", "including", "consumption", "consuming", "utilization", "hogging", "hog", "hogs",
    "observe", "fewer", "add", "another", "extra", "minus", "plus", "increase", "decrease", "double", "halve",
    "shrink", "grow", "go", "get", "rid", "clean", "clear", "stand", "provision", "right-size", "rightsize",
    "right-sizing", "rightsizing", "optimization", "optimisation", "tune", "wasting", "waste", "securely",
    "hardening", "harden", "compliance", "benchmark", "alerting", "vulnerable", "monitored", "print", "printed",
    "say", "said", "expose", "exposes", "exposed", "use", "uses", "eating",
];

/// Words that stand for a kind of thing to deploy, not an image.
#[rustfmt::skip]
pub(crate) const DEPLOY_NOUNS: &[&str] = &[
    "web", "website", "site", "stack", "simple", "small", "basic", "full", "production", "prod", "dev", "local",
    "test", "containing", "plus", "frontend", "backend", "front", "end", "server", "servers", "some", "couple",
    "together", "both", "along", "alongside", "next", "behind", "proxy", "reverse", "store", "storage", "queue",
    "broker", "search", "setup", "environment",
];

/// Words the parser knows; a near miss of one of them is read as it.
#[rustfmt::skip]
pub(crate) const VOCABULARY: &[&str] = &[
    "list", "show", "display", "containers", "container", "running", "stopped", "inspect", "details", "describe",
    "information", "start", "stop", "restart", "remove", "delete", "logs", "follow", "tail", "deploy", "launch",
    "install", "create", "scale", "replicas", "replica", "instances", "instance", "traffic", "rollback", "revert",
    "history", "versions", "version", "previous", "deployments", "deployment", "security", "secure", "scan",
    "vulnerabilities", "vulnerability", "vulnerable", "audit", "image", "images", "optimize", "optimise", "resources",
    "resource", "usage", "monitor", "monitoring", "alert", "alerts", "threshold", "memory", "diagnose", "wrong",
    "crash", "crashing", "crashed", "failing", "broken", "unhealthy", "healthy", "health", "compose", "project",
    "please", "application", "everything", "realtime", "stream", "watch", "terminate", "restarting", "replicas",
    "statistics", "troubleshoot", "nginx", "redis", "postgres", "postgresql", "mysql", "mongo", "mongodb",
    "wordpress", "grafana", "prometheus", "mariadb", "memcached", "rabbitmq", "httpd", "traefik", "rollout",
    "upgrade", "downgrade", "services", "service", "status", "configuration", "dashboard", "recommend", "limits",
    "exited", "failed", "database", "caddy", "minio", "adminer", "elasticsearch", "keycloak", "applications", "apps",
    "deployed", "prune", "update", "updates", "patch", "minor", "major", "digest", "outdated", "available",
    "newest", "automatic", "automatically",
];

/// Politeness and filler removed from the start of a request.
#[rustfmt::skip]
pub(crate) const FILLERS: &[&str] = &[
    "please", "pls", "plz", "kindly", "hey", "hi", "hello", "ok", "okay", "so", "now", "tuxpilot", "assistant",
    "just", "quickly", "thanks", "thank", "you", "could", "can", "would", "will", "i", "want", "wanna", "need", "to",
    "like", "d", "go", "ahead", "and", "me", "help", "let's", "lets", "let", "us", "try", "would",
];

/// Built-in templates, and what people call them.
pub(crate) fn template_word(w: &str) -> Option<&'static str> {
    Some(match w {
        "nginx" => "nginx",
        "redis" => "redis",
        "postgres" | "postgresql" | "pg" | "psql" => "postgres",
        "mysql" => "mysql",
        "mariadb" | "maria" => "mariadb",
        "mongo" | "mongodb" => "mongo",
        "wordpress" | "wp" => "wordpress",
        "grafana" => "grafana",
        "prometheus" | "prom" => "prometheus",
        "memcached" | "memcache" => "memcached",
        "rabbitmq" | "rabbit" => "rabbitmq",
        "httpd" | "apache" => "httpd",
        "traefik" => "traefik",
        "caddy" => "caddy",
        "adminer" => "adminer",
        "minio" => "minio",
        "elasticsearch" | "elastic" => "elasticsearch",
        "keycloak" => "keycloak",
        "busybox" => "busybox",
        "alpine" => "alpine",
        _ => return None,
    })
}

/// Generic things to deploy that need a choice.
pub(crate) fn generic_choice(w: &str) -> Option<&'static str> {
    Some(match w {
        "database" | "db" | "databases" => "Which database should I deploy: postgres, mysql, mariadb or mongo?",
        "cache" => "Which cache should I deploy: redis or memcached?",
        "webserver" | "web-server" => "Which web server should I deploy: nginx, httpd or caddy?",
        "monitoring" | "metrics" => "Which should I deploy: prometheus, grafana, or both?",
        _ => return None,
    })
}

/// Everyday words that look like typos of vocabulary words but are not.
pub(crate) fn is_common(w: &str) -> bool {
    matches!(
        w,
        "last"
            | "trash"
            | "list"
            | "lost"
            | "best"
            | "host"
            | "post"
            | "most"
            | "test"
            | "stat"
            | "stats"
            | "star"
            | "store"
            | "shop"
            | "stay"
            | "step"
            | "stops"
            | "start"
            | "starts"
            | "scales"
            | "image"
            | "mage"
            | "more"
            | "move"
            | "down"
            | "town"
            | "show"
            | "snow"
            | "slow"
            | "flow"
            | "lines"
            | "line"
            | "live"
            | "give"
            | "have"
            | "save"
            | "same"
            | "some"
            | "time"
            | "times"
            | "tail"
            | "mail"
            | "fail"
            | "fails"
            | "logs"
            | "lots"
            | "does"
            | "done"
            | "gone"
            | "none"
            | "once"
            | "with"
            | "from"
            | "into"
            | "onto"
            | "each"
            | "every"
            | "them"
            | "then"
            | "than"
            | "that"
            | "this"
            | "what"
            | "when"
            | "where"
            | "which"
            | "while"
            | "your"
            | "ours"
            | "their"
            | "there"
            | "these"
            | "those"
            | "about"
            | "above"
            | "below"
            | "under"
            | "over"
            | "after"
            | "before"
            | "again"
            | "keeps"
            | "keep"
            | "goes"
            | "going"
            | "using"
            | "used"
            | "uses"
            | "made"
            | "make"
            | "takes"
            | "take"
            | "need"
            | "want"
            | "web"
            | "worker"
            | "workers"
            | "api"
            | "app"
            | "apps"
            | "cache"
            | "proxy"
            | "blog"
            | "front"
            | "frontend"
            | "backend"
            | "queue"
            | "redo"
            | "undo"
            | "back"
            | "roll"
            | "went"
            | "want's"
            | "hogs"
            | "hog"
            | "ram"
            | "cpu"
            | "heavy"
            | "load"
            | "loads"
            | "handle"
            | "extra"
            | "fewer"
            | "less"
            | "lower"
            | "higher"
            | "large"
            | "small"
            | "double"
            | "half"
            | "check"
            | "tell"
            | "find"
            | "look"
            | "give's"
            | "state"
            | "stated"
            | "steps"
            | "stage"
            | "staging"
            | "prod"
            | "production"
            | "stack"
            | "stacks"
            | "server"
            | "servers"
            | "site"
            | "sites"
            | "files"
            | "file"
            | "path"
            | "here"
            | "current"
            | "latest"
            | "named"
            | "called"
            | "name"
            | "names"
            | "also"
            | "only"
            | "sort"
            | "order"
            | "watching"
            | "memory"
            | "mem"
            | "copies"
            | "copy"
            | "scaled"
            | "reset"
            | "rest"
            | "shell"
            | "bash"
            | "exec"
            | "sudo"
            | "mount"
            | "root"
            | "drop"
            | "kill"
            | "killed"
            | "died"
            | "dead"
            | "dies"
            | "info"
            | "why"
            | "how"
            | "hows"
            | "okay"
            | "sure"
            | "yes"
            | "delete"
            | "deleted"
            | "ports"
            | "port"
            | "open"
            | "opened"
            | "expose"
            | "data"
            | "date"
            | "jobs"
            | "job"
            | "task"
            | "tasks"
    )
}
