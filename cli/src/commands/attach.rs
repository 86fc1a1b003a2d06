//! Pumping an attached session (`compose exec`, interactive `compose run`): standard input to
//! the process, its output to ours, the terminal in raw mode and its size passed on while the
//! process has a TTY.

use std::io::Write;

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tuxpilot_docker::{AttachedSession, LogStream};

/// Puts the terminal in raw mode while alive (with a TTY), and back when dropped.
struct RawMode(bool);

impl RawMode {
    fn enter(tty: bool) -> Self {
        Self(tty && ratatui::crossterm::terminal::enable_raw_mode().is_ok())
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if self.0 {
            let _ = ratatui::crossterm::terminal::disable_raw_mode();
        }
    }
}

/// Pumps an attached exec session (stdin forwarded when `stdin`) and returns the process's exit
/// code; the output ends as the process does, and the engine may report it running a moment more.
pub async fn exec_to_end(
    engine: &std::sync::Arc<dyn tuxpilot_docker::Engine>,
    exec_id: &str,
    session: AttachedSession,
    tty: bool,
    stdin: bool,
) -> anyhow::Result<i64> {
    pump_with(session, tty, stdin, |rows, cols| {
        let engine = engine.clone();
        let exec_id = exec_id.to_string();
        async move {
            let _ = engine.resize_exec(&exec_id, rows, cols).await;
        }
    })
    .await?;
    let mut code = engine.exec_exit_code(exec_id).await?;
    for _ in 0..100 {
        if code.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        code = engine.exec_exit_code(exec_id).await?;
    }
    Ok(code.unwrap_or(0))
}

/// Whether our standard input is a terminal.
pub fn stdin_is_terminal() -> bool {
    std::io::IsTerminal::is_terminal(&std::io::stdin())
}

/// Copies stdin to the session and its output to stdout/stderr until the output ends. With
/// `tty`, the terminal is raw meanwhile and `resize(rows, cols)` is called with its size at the
/// start and on every SIGWINCH.
pub async fn pump<F, Fut>(session: AttachedSession, tty: bool, resize: F) -> anyhow::Result<()>
where
    F: Fn(u16, u16) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    pump_with(session, tty, true, resize).await
}

/// [`pump`], forwarding stdin only when `stdin` is set (`docker exec` without `-i` closes the
/// process's stdin at once).
pub async fn pump_with<F, Fut>(session: AttachedSession, tty: bool, stdin: bool, resize: F) -> anyhow::Result<()>
where
    F: Fn(u16, u16) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let AttachedSession { mut output, mut input } = session;
    let _raw = RawMode::enter(tty);
    if tty && let Ok((cols, rows)) = ratatui::crossterm::terminal::size() {
        resize(rows, cols).await;
    }
    // Stdin is read on a thread of its own: a read blocks until the user types and cannot be
    // cancelled, so it must neither hold the output back nor keep the process from exiting
    // (a detached thread does not; tokio's blocking pool would).
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
    if stdin {
        std::thread::spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut buf = vec![0u8; 8192];
            loop {
                match std::io::Read::read(&mut stdin, &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.blocking_send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        });
    } else {
        drop(tx);
    }
    let stdin_task = tokio::spawn(async move {
        while let Some(data) = rx.recv().await {
            if input.write_all(&data).await.is_err() || input.flush().await.is_err() {
                return;
            }
        }
        let _ = input.shutdown().await;
    });
    let mut winch =
        if tty { tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change()).ok() } else { None };
    let result = loop {
        let next = async {
            match winch.as_mut() {
                Some(w) => tokio::select! {
                    chunk = output.next() => Some(chunk),
                    _ = w.recv() => None,
                },
                None => Some(output.next().await),
            }
        };
        match next.await {
            None => {
                if let Ok((cols, rows)) = ratatui::crossterm::terminal::size() {
                    resize(rows, cols).await;
                }
            }
            Some(None) => break Ok(()),
            Some(Some(Err(e))) => break Err(anyhow::Error::from(e)),
            Some(Some(Ok(chunk))) => {
                let written = match chunk.stream {
                    LogStream::Stderr => {
                        let mut err = std::io::stderr().lock();
                        err.write_all(&chunk.data).and_then(|()| err.flush())
                    }
                    _ => {
                        let mut out = std::io::stdout().lock();
                        out.write_all(&chunk.data).and_then(|()| out.flush())
                    }
                };
                if let Err(e) = written {
                    break Err(e.into());
                }
            }
        }
    };
    stdin_task.abort();
    result
}
