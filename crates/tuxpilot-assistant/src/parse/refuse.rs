//! What is declined, whatever else a request says: shells, exec, arbitrary commands, privileged
//! containers, the host.

use super::text::Word;

/// Requests that are declined, whatever else they say: shells, exec, arbitrary commands,
/// privileged containers, the host.
pub(crate) fn refusal(words: &[Word], request: &str) -> Option<String> {
    let low = request.to_lowercase();
    let has = |w: &str| words.iter().any(|x| x.low == w);
    let shell = [
        "shell",
        "bash",
        "zsh",
        "sh",
        "powershell",
        "exec",
        "nsenter",
        "chroot",
        "sudo",
        "ssh",
        "telnet",
        "netcat",
        "nc",
        "tty",
        "terminal",
    ];
    let command_phrase = [
        "run command",
        "run a command",
        "run the command",
        "run this command",
        "execute command",
        "execute a command",
        "execute the command",
        "execute this",
        "rm -rf",
        "| sh",
        "| bash",
        "|sh",
        "|bash",
        "mkfs",
        "dd if=",
        ":(){",
        "eval ",
        "curl ",
        "wget ",
        "chmod ",
        "chown ",
        "apt-get",
        "apt install",
        "pip install",
        "docker run",
        "docker exec",
        "/bin/",
        "&&",
        "$(",
    ];
    if shell.iter().any(|w| has(w)) || low.contains("docker exec") || low.contains(" -it ") {
        return Some(
            "I don't open shells or run commands inside containers: I only carry out the operations I can check and \
             plan (list, logs, deploy, scale, scans, diagnose…). For a shell, run `docker exec -it NAME sh` yourself."
                .into(),
        );
    }
    let shell_commands = [
        "ls",
        "cat",
        "rm",
        "echo",
        "curl",
        "wget",
        "apt",
        "apt-get",
        "apk",
        "yum",
        "pip",
        "npm",
        "python",
        "python3",
        "node",
        "perl",
        "chmod",
        "chown",
        "mv",
        "cp",
        "tar",
        "dd",
        "grep",
        "find",
        "env",
        "printenv",
        "whoami",
        "id",
        "mount",
        "umount",
        "iptables",
        "reboot",
        "shutdown",
        "passwd",
        "useradd",
        "crontab",
        "nohup",
        "sed",
        "awk",
        "vi",
        "vim",
        "nano",
        "psql",
        "mysql",
        "redis-cli",
        "mongosh",
    ];
    let runs_a_command = words.windows(2).any(|p| {
        matches!(p[0].low.as_str(), "execute" | "run" | "exec" | "type" | "invoke")
            && (shell_commands.contains(&p[1].low.as_str()) || p[1].low.starts_with('-') || p[1].quoted)
    }) || (has("execute") && !has("deploy") && !has("rollback"));
    if runs_a_command
        || command_phrase.iter().any(|p| low.contains(p))
        || words.iter().any(|w| w.quoted && w.raw.contains(' '))
    {
        return Some(
            "I don't run arbitrary commands. Tell me what you want done (for example \"show the logs of web\", \
             \"restart web\", \"diagnose db\") and I'll plan it with TuxPilot's own operations."
                .into(),
        );
    }
    let privileged = [
        "privileged",
        "--privileged",
        "cap-add",
        "cap_add",
        "--cap-add",
        "sys_admin",
        "cap_sys_admin",
        "capabilities",
        "apparmor=unconfined",
        "seccomp=unconfined",
    ];
    if privileged.iter().any(|p| has(p) || low.contains(p))
        && !has("list")
        && !has("scan")
        && !has("check")
        && !has("audit")
    {
        return Some(
            "I don't create privileged containers or add capabilities: that hands the container the host. Add only the \
             capability you need in your app.yaml or compose file and deploy that; a scan (\"check the security of my \
             containers\") reports what is privileged today."
                .into(),
        );
    }
    if low.contains("docker socket") || low.contains("docker.sock") {
        return Some(
            "I don't hand a container the Docker socket: whoever holds it controls the host. If a tool needs the engine, \
             give it a read-only proxy of the API instead."
                .into(),
        );
    }
    let host_danger = [
        "filesystem",
        "file system",
        "root",
        "shell",
        "pid namespace",
        "namespace",
        "escape",
        "breakout",
        "docker.sock",
        "/etc",
        "/var/run",
        "/proc",
        "/dev",
    ];
    if (low.contains("host") && host_danger.iter().any(|d| low.contains(d)))
        || low.contains("docker.sock")
        || low.contains("/var/run/docker")
        || low.contains("/etc/shadow")
        || low.contains("/etc/passwd")
    {
        return Some(
            "I don't give containers access to the host (its root filesystem, its Docker socket, its namespaces). Declare \
             the specific volume you need in an app.yaml or compose file and deploy that instead."
                .into(),
        );
    }
    None
}
