//! `tuxpilot-proxy run [STATE_DIR]` serves; `tuxpilot-proxy ctl apply APP | status [STATE_DIR]`
//! asks the running proxy (TuxPilot runs it with `docker exec`) and prints its JSON answer.

use std::path::PathBuf;

use tuxpilot_proxy::routes::{Request, STATE_DIR};
use tuxpilot_proxy::server::{Server, ask, log};

fn usage() -> ! {
    log("usage: tuxpilot-proxy run [STATE_DIR] | ctl apply APP [STATE_DIR] | ctl status [STATE_DIR]");
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    match a.as_slice() {
        ["run"] => run(PathBuf::from(STATE_DIR)),
        ["run", dir] => run(PathBuf::from(dir)),
        ["ctl", rest @ ..] => {
            let (req, dir) = match rest {
                ["apply", app] => (Request::Apply { app: app.to_string() }, STATE_DIR),
                ["apply", app, dir] => (Request::Apply { app: app.to_string() }, *dir),
                ["status"] => (Request::Status, STATE_DIR),
                ["status", dir] => (Request::Status, *dir),
                _ => usage(),
            };
            let reply = ask(&PathBuf::from(dir), &req);
            let text = serde_json::to_string(&reply).unwrap_or_default();
            #[allow(clippy::print_stdout)]
            {
                println!("{text}");
            }
            std::process::exit(if reply.ok { 0 } else { 1 });
        }
        _ => usage(),
    }
}

fn run(dir: PathBuf) {
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            log(&format!("cannot start: {e}"));
            std::process::exit(1);
        }
    };
    let code = rt.block_on(async move {
        if let Err(e) = std::fs::create_dir_all(dir.join(tuxpilot_proxy::routes::INCOMING_DIR)) {
            log(&format!("cannot use {}: {e}", dir.display()));
            return 1;
        }
        let server = Server::new(&dir);
        let control = tokio::spawn(server.clone().control());
        let (Ok(mut term), Ok(mut int)) = (
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()),
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()),
        ) else {
            log("cannot handle signals");
            return 1;
        };
        tokio::select! {
            _ = term.recv() => { log("stopping (SIGTERM)"); 0 }
            _ = int.recv() => { log("stopping (SIGINT)"); 0 }
            r = control => {
                log(&format!("control socket failed: {r:?}"));
                1
            }
        }
    });
    std::process::exit(code);
}
