//! The full-screen live view of `containers monitor --real-time` (ratatui): a sortable,
//! filterable table, CPU and memory sparklines and a detail pane for the selected container,
//! and keys to stop, restart or show logs.
//!
//! Keys: ↑/↓ select · s next sort column · r reverse · / filter (Enter/Esc ends) ·
//! S stop · R restart (each asks y/N, then shows its progress) · l logs · q or Esc quit.
//! The table keeps to the terminal's width ([`super::live_columns`]).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use ratatui::Frame;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Sparkline, Table, TableState};
use tokio::sync::mpsc;
use tuxpilot_docker::units::format_bytes;
use tuxpilot_docker::{Engine, LogOptions};
use tuxpilot_monitor::{Monitor, Observation, Tick};

/// Samples kept per container for the sparklines.
const HISTORY: usize = 60;

/// Columns the table sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// Name.
    Name,
    /// CPU %.
    Cpu,
    /// Memory used.
    Memory,
    /// Network bytes (rx + tx).
    Net,
    /// Block bytes (read + write).
    Block,
    /// PIDs.
    Pids,
}

impl SortKey {
    fn next(self) -> Self {
        match self {
            SortKey::Name => SortKey::Cpu,
            SortKey::Cpu => SortKey::Memory,
            SortKey::Memory => SortKey::Net,
            SortKey::Net => SortKey::Block,
            SortKey::Block => SortKey::Pids,
            SortKey::Pids => SortKey::Name,
        }
    }
}

/// What a key asks the engine to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Stop the container.
    Stop(String),
    /// Restart it.
    Restart(String),
    /// Show its last log lines.
    Logs(String),
}

/// The live view's state, separate from the terminal so it can be tested.
#[derive(Debug)]
pub struct App {
    rows: Vec<Observation>,
    history: HashMap<String, (VecDeque<u64>, VecDeque<u64>)>,
    /// Sort column.
    pub sort: SortKey,
    /// Descending instead of ascending.
    pub reverse: bool,
    /// Name filter (substring).
    pub filter: String,
    filtering: bool,
    selected: usize,
    /// Log lines of the selected container, when asked for.
    pub detail: Vec<String>,
    /// Status line (alerts, action results).
    pub status: String,
    /// Set when the user quits.
    pub quit: bool,
    /// A stop or restart waiting for its y/N, with the container's name.
    pending: Option<(Action, String)>,
    /// What is being done, with the container's name, and since when.
    busy: Option<(String, std::time::Instant)>,
}

impl Default for App {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            history: HashMap::new(),
            sort: SortKey::Cpu,
            reverse: true,
            filter: String::new(),
            filtering: false,
            selected: 0,
            detail: Vec::new(),
            status: String::new(),
            quit: false,
            pending: None,
            busy: None,
        }
    }
}

impl App {
    /// Takes a tick's observations; keeps the last [`HISTORY`] samples per container.
    pub fn update(&mut self, tick: &Tick) {
        for o in &tick.observations {
            let (cpu, mem) = self.history.entry(o.metrics.id.clone()).or_default();
            cpu.push_back((o.metrics.cpu_percent * 100.0).round() as u64);
            mem.push_back(o.metrics.memory_used_bytes);
            while cpu.len() > HISTORY {
                cpu.pop_front();
            }
            while mem.len() > HISTORY {
                mem.pop_front();
            }
        }
        self.history.retain(|id, _| tick.observations.iter().any(|o| &o.metrics.id == id));
        if let Some(a) = tick.alerts.last() {
            self.status = format!("alert {} {} on {}: {:.2}", a.status, a.rule, a.container, a.value);
        }
        self.rows.clone_from(&tick.observations);
        self.selected = self.selected.min(self.visible().len().saturating_sub(1));
    }

    /// The rows shown: filtered and sorted.
    pub fn visible(&self) -> Vec<&Observation> {
        let f = self.filter.to_lowercase();
        let mut v: Vec<&Observation> =
            self.rows.iter().filter(|o| f.is_empty() || o.metrics.name.to_lowercase().contains(&f)).collect();
        v.sort_by(|a, b| {
            let (a, b) = (&a.metrics, &b.metrics);
            let o = match self.sort {
                SortKey::Name => a.name.cmp(&b.name),
                SortKey::Cpu => a.cpu_percent.total_cmp(&b.cpu_percent),
                SortKey::Memory => a.memory_used_bytes.cmp(&b.memory_used_bytes),
                SortKey::Net => (a.net_rx_bytes + a.net_tx_bytes).cmp(&(b.net_rx_bytes + b.net_tx_bytes)),
                SortKey::Block => {
                    (a.block_read_bytes + a.block_write_bytes).cmp(&(b.block_read_bytes + b.block_write_bytes))
                }
                SortKey::Pids => a.pids.cmp(&b.pids),
            };
            let o = o.then_with(|| a.name.cmp(&b.name));
            if self.reverse { o.reverse() } else { o }
        });
        v
    }

    /// The selected container's id.
    pub fn selected_id(&self) -> Option<String> {
        self.visible().get(self.selected).map(|o| o.metrics.id.clone())
    }

    /// Handles a key; returns what to ask the engine, if anything. A stop or restart is
    /// returned only after `y` answers its question.
    pub fn on_key(&mut self, key: KeyEvent) -> Option<Action> {
        if let Some((action, name)) = self.pending.take() {
            if matches!(key.code, KeyCode::Char('y' | 'Y')) {
                let doing = if matches!(action, Action::Stop(_)) { "stopping" } else { "restarting" };
                self.busy = Some((format!("{doing} {name}"), std::time::Instant::now()));
                self.status = format!("{doing} {name}…");
                return Some(action);
            }
            self.status = "cancelled".into();
            return None;
        }
        if self.filtering {
            match key.code {
                KeyCode::Enter | KeyCode::Esc => self.filtering = false,
                KeyCode::Backspace => {
                    self.filter.pop();
                }
                KeyCode::Char(c) => self.filter.push(c),
                _ => {}
            }
            self.selected = 0;
            return None;
        }
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => self.quit = true,
            KeyCode::Down | KeyCode::Char('j') => {
                self.selected = (self.selected + 1).min(self.visible().len().saturating_sub(1));
                self.detail.clear();
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.selected = self.selected.saturating_sub(1);
                self.detail.clear();
            }
            KeyCode::Char('s') => self.sort = self.sort.next(),
            KeyCode::Char('r') => self.reverse = !self.reverse,
            KeyCode::Char('/') => {
                self.filtering = true;
                self.filter.clear();
            }
            KeyCode::Char(c @ ('S' | 'R')) => {
                let selected =
                    self.visible().get(self.selected).map(|o| (o.metrics.id.clone(), o.metrics.name.clone()));
                if let Some((id, name)) = selected {
                    let (action, verb) =
                        if c == 'S' { (Action::Stop(id), "stop") } else { (Action::Restart(id), "restart") };
                    self.status = format!("{verb} {name}? y/N");
                    self.pending = Some((action, name));
                }
            }
            KeyCode::Char('l') => return self.selected_id().map(Action::Logs),
            _ => {}
        }
        None
    }

    /// Draws the view.
    pub fn draw(&self, f: &mut Frame<'_>) {
        let [top, table_area, detail_area, status_area] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(5), Constraint::Length(9), Constraint::Length(1)])
                .areas(f.area());
        let sort = format!("{:?}{}", self.sort, if self.reverse { " ↓" } else { " ↑" });
        let filter = if self.filtering || !self.filter.is_empty() {
            format!("  filter: {}", self.filter)
        } else {
            String::new()
        };
        f.render_widget(
            Paragraph::new(format!(
                "tuxpilot monitor  {} containers  sort: {sort}{filter}   (s sort · r rev · / filter · S stop · R restart · l logs · q quit)",
                self.rows.len()
            )),
            top,
        );

        let longest = self.visible().iter().map(|o| o.metrics.name.chars().count()).max().unwrap_or(0);
        let columns = super::live_columns::fitting(table_area.width, longest);
        let header: Vec<&str> = columns.iter().map(|(c, _)| c.title()).collect();
        let rows = self
            .visible()
            .into_iter()
            .map(|o| Row::new(columns.iter().map(|(c, _)| Cell::from(c.text(o))).collect::<Vec<_>>()));
        let widths: Vec<Constraint> = columns.iter().map(|(_, w)| *w).collect();
        let table = Table::new(rows, widths)
            .header(Row::new(header).style(Style::new().add_modifier(Modifier::BOLD)))
            .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
            .block(Block::new().borders(Borders::TOP));
        let mut state = TableState::default().with_selected(Some(self.selected));
        f.render_stateful_widget(table, table_area, &mut state);

        let [cpu_area, mem_area, logs_area] =
            Layout::horizontal([Constraint::Percentage(25), Constraint::Percentage(25), Constraint::Percentage(50)])
                .areas(detail_area);
        let selected = self.selected_id();
        let (cpu, mem) = selected
            .as_ref()
            .and_then(|id| self.history.get(id))
            .map(|(c, m)| (c.iter().copied().collect::<Vec<_>>(), m.iter().copied().collect::<Vec<_>>()))
            .unwrap_or_default();
        let name = self.visible().get(self.selected).map(|o| o.metrics.name.clone()).unwrap_or_default();
        f.render_widget(
            Sparkline::default().block(Block::bordered().title(format!("CPU {name}"))).data(&cpu),
            cpu_area,
        );
        f.render_widget(Sparkline::default().block(Block::bordered().title("memory")).data(&mem), mem_area);
        // The detail pane: the container's particulars, or its logs once asked for.
        let (title, text): (&str, Vec<String>) = if self.detail.is_empty() {
            let info = self.visible().get(self.selected).map(|o| {
                let m = &o.metrics;
                vec![
                    format!("id      {}", crate::output::short_id(&m.id)),
                    format!("image   {}", o.image),
                    format!("source  {:?}", o.source).to_lowercase(),
                    format!("memory  {} of {}", format_bytes(m.memory_used_bytes), format_bytes(m.memory_limit_bytes)),
                    format!("pids    {}{}", m.pids, o.raw.pids_limit.map(|l| format!(" of {l}")).unwrap_or_default()),
                    format!("net     {} in, {} out", format_bytes(m.net_rx_bytes), format_bytes(m.net_tx_bytes)),
                    format!(
                        "block   {} read, {} written",
                        format_bytes(m.block_read_bytes),
                        format_bytes(m.block_write_bytes)
                    ),
                ]
            });
            ("details (l: logs)", info.unwrap_or_default())
        } else {
            ("logs", self.detail.clone())
        };
        let lines: Vec<Line<'_>> = text.into_iter().map(Line::from).collect();
        let skip = lines.len().saturating_sub(usize::from(logs_area.height.saturating_sub(2)));
        f.render_widget(
            Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()).block(Block::bordered().title(title)),
            logs_area,
        );
        // A stop takes up to its timeout: the status line counts the seconds meanwhile.
        let status = match &self.busy {
            Some((doing, since)) => format!("{doing}… {}s", since.elapsed().as_secs()),
            None => self.status.clone(),
        };
        f.render_widget(Paragraph::new(status), status_area);
    }
}

/// Runs the live view until `q` (or `count` ticks).
pub async fn run(
    engine: Arc<dyn Engine>,
    mut monitor: Monitor,
    interval: Duration,
    count: Option<u64>,
) -> anyhow::Result<()> {
    let (tick_tx, mut ticks) = mpsc::channel::<Result<Tick, String>>(2);
    let sampler = tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let r = monitor.tick().await.map_err(|e| e.to_string());
            if tick_tx.send(r).await.is_err() {
                break;
            }
        }
    });
    let (key_tx, mut keys) = mpsc::unbounded_channel::<KeyEvent>();
    std::thread::spawn(move || {
        loop {
            match event::poll(Duration::from_millis(200)) {
                Ok(true) => {
                    if let Ok(Event::Key(k)) = event::read()
                        && k.kind == KeyEventKind::Press
                        && key_tx.send(k).is_err()
                    {
                        break;
                    }
                }
                Ok(false) => {
                    if key_tx.is_closed() {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    });
    let (done_tx, mut done) = mpsc::unbounded_channel::<(Option<Vec<String>>, String)>();

    let mut terminal =
        ratatui::try_init().map_err(|e| anyhow::anyhow!("cannot open the terminal for --real-time: {e}"))?;
    let mut app = App::default();
    let mut n = 0u64;
    let result: anyhow::Result<()> = async {
        loop {
            terminal.draw(|f| app.draw(f))?;
            tokio::select! {
                Some(t) = ticks.recv() => {
                    match t {
                        Ok(t) => app.update(&t),
                        Err(e) => app.status = format!("engine unavailable ({e}); retrying"),
                    }
                    n += 1;
                    if count.is_some_and(|c| n >= c) { break; }
                }
                Some(k) = keys.recv() => {
                    if let Some(action) = app.on_key(k) {
                        let engine = engine.clone();
                        let tx = done_tx.clone();
                        tokio::spawn(async move {
                            let r = perform(engine.as_ref(), &action).await;
                            let _ = tx.send(r);
                        });
                    }
                    if app.quit { break; }
                }
                Some((logs, status)) = done.recv() => {
                    if let Some(l) = logs { app.detail = l; }
                    app.status = status;
                    app.busy = None;
                }
                // While a stop or restart runs, redraw each quarter second for its progress.
                () = tokio::time::sleep(Duration::from_millis(250)), if app.busy.is_some() => {}
                _ = tokio::signal::ctrl_c() => break,
            }
        }
        Ok(())
    }
    .await;
    ratatui::restore();
    sampler.abort();
    result
}

async fn perform(engine: &dyn Engine, action: &Action) -> (Option<Vec<String>>, String) {
    match action {
        Action::Stop(id) => match engine.stop_container(id, Some(Duration::from_secs(10))).await {
            Ok(()) => (None, format!("stopped {}", crate::output::short_id(id))),
            Err(e) => (None, format!("stop failed: {e}")),
        },
        Action::Restart(id) => match engine.restart_container(id, Some(Duration::from_secs(10))).await {
            Ok(()) => (None, format!("restarted {}", crate::output::short_id(id))),
            Err(e) => (None, format!("restart failed: {e}")),
        },
        Action::Logs(id) => {
            use futures_util::StreamExt;
            let opts = LogOptions { tail: Some(50), ..Default::default() };
            let mut stream = engine.logs(id, opts);
            let mut text = String::new();
            while let Some(chunk) = stream.next().await {
                match chunk {
                    Ok(c) => text.push_str(&c.message),
                    Err(e) => return (None, format!("logs failed: {e}")),
                }
            }
            let lines: Vec<String> = text.lines().map(str::to_string).collect();
            let status = format!("{} log lines", lines.len());
            (Some(lines), status)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyModifiers;
    use ratatui::{Terminal, backend::TestBackend};
    use tuxpilot_docker::StatsSample;
    use tuxpilot_monitor::{Metrics, Source};

    fn obs(id: &str, name: &str, cpu: f64, mem: u64) -> Observation {
        Observation {
            metrics: Metrics {
                id: id.into(),
                name: name.into(),
                cpu_percent: cpu,
                memory_used_bytes: mem,
                memory_limit_bytes: 1 << 30,
                memory_percent: 0.0,
                net_rx_bytes: 0,
                net_tx_bytes: 0,
                block_read_bytes: 0,
                block_write_bytes: 0,
                pids: 1,
                timestamp: None,
            },
            image: "img".into(),
            raw: StatsSample::default(),
            source: Source::Api,
            memory_limited: true,
            status: "Up 1 second".into(),
        }
    }

    fn tick(obs: Vec<Observation>) -> Tick {
        Tick {
            at: chrono::Utc::now(),
            observations: obs,
            disk: None,
            layer_sizes: vec![],
            alerts: vec![],
            sink_errors: vec![],
            dropped_alerts: 0,
        }
    }

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    fn names(app: &App) -> Vec<String> {
        app.visible().iter().map(|o| o.metrics.name.clone()).collect()
    }

    #[test]
    fn sorts_filters_selects_and_maps_keys_to_actions() {
        let mut app = App::default();
        app.update(&tick(vec![obs("a", "web", 5.0, 300), obs("b", "db", 90.0, 100), obs("c", "cache", 40.0, 200)]));
        assert_eq!(names(&app), ["db", "cache", "web"], "CPU, busiest first");
        app.on_key(key(KeyCode::Char('s')));
        assert_eq!(app.sort, SortKey::Memory);
        assert_eq!(names(&app), ["web", "cache", "db"]);
        app.on_key(key(KeyCode::Char('r')));
        assert_eq!(names(&app), ["db", "cache", "web"]);
        app.on_key(key(KeyCode::Down));
        // Stop and restart ask first: only `y` goes ahead.
        assert_eq!(app.on_key(key(KeyCode::Char('R'))), None);
        assert_eq!(app.status, "restart cache? y/N");
        assert_eq!(app.on_key(key(KeyCode::Char('n'))), None);
        assert_eq!(app.status, "cancelled");
        assert_eq!(app.on_key(key(KeyCode::Char('R'))), None);
        assert_eq!(app.on_key(key(KeyCode::Char('y'))), Some(Action::Restart("c".into())));
        assert!(app.busy.as_ref().is_some_and(|(doing, _)| doing == "restarting cache"));
        for k in [KeyCode::Char('/'), KeyCode::Char('W'), KeyCode::Char('e'), KeyCode::Enter] {
            app.on_key(key(k));
        }
        assert_eq!(names(&app), ["web"], "case-insensitive name filter");
        assert_eq!(app.on_key(key(KeyCode::Char('S'))), None);
        assert_eq!(app.on_key(key(KeyCode::Enter)), None, "anything but y is no");
        app.on_key(key(KeyCode::Char('S')));
        assert_eq!(app.on_key(key(KeyCode::Char('Y'))), Some(Action::Stop("a".into())));
        assert_eq!(app.on_key(key(KeyCode::Char('l'))), Some(Action::Logs("a".into())));
        app.on_key(key(KeyCode::Char('q')));
        assert!(app.quit);
    }

    #[test]
    fn keeps_a_bounded_history_and_draws_it() {
        let mut app = App::default();
        for i in 0..100u64 {
            app.update(&tick(vec![obs("a", "web", i as f64, i * 1000)]));
        }
        let (cpu, mem) = &app.history["a"];
        assert_eq!((cpu.len(), mem.len()), (HISTORY, HISTORY));
        assert_eq!(cpu.back(), Some(&9900));
        app.update(&tick(vec![obs("b", "db", 1.0, 1)]));
        assert!(!app.history.contains_key("a"), "a container that went away drops its history");

        let mut terminal = Terminal::new(TestBackend::new(140, 30)).unwrap();
        terminal.draw(|f| app.draw(f)).unwrap();
        let screen: String = terminal.backend().buffer().content().iter().map(|c| c.symbol()).collect();
        for text in ["NAME", "CPU %", "MEM USAGE / LIMIT", "db", "CPU db", "memory", "details (l: logs)", "image   img"]
        {
            assert!(screen.contains(text), "{text} missing");
        }
    }

    #[test]
    fn eighty_columns_keep_the_name_status_and_health() {
        let mut app = App::default();
        let mut o = obs("a", "a-rather-long-service-name-1", 1.0, 1);
        o.status = "Up 2 minutes (healthy)".into();
        app.update(&tick(vec![o]));
        let mut terminal = Terminal::new(TestBackend::new(80, 30)).unwrap();
        terminal.draw(|f| app.draw(f)).unwrap();
        let buffer = terminal.backend().buffer();
        let lines: Vec<String> =
            (0..30u16).map(|y| (0..80u16).map(|x| buffer[(x, y)].symbol().to_string()).collect::<String>()).collect();
        let header = lines.iter().find(|l| l.contains("NAME")).expect("a header");
        for title in ["NAME", "STATUS", "HEALTH", "CPU %", "MEM %"] {
            assert!(header.contains(title), "{title} missing: {header}");
        }
        let row = lines.iter().find(|l| l.contains("a-rather-long-service-name-1")).expect("the whole name");
        assert!(row.contains("Up 2 minutes") && row.contains("healthy"), "{row}");
    }
}
