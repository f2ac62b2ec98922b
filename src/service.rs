//! The long-running service: a cycle at start, then on the schedule, until SIGTERM or
//! SIGINT. A failing cycle is reported and the next one runs as planned; a signal during a
//! cycle abandons it before its state is saved, so the state file is always the last
//! complete one — unless a registrar write was already sent: then no new write starts and
//! the cycle gets a bounded grace (`crate::stop`) to finish and save what it wrote; a
//! write the grace cuts off is named in the log and the exit is non-zero. SIGHUP reloads the configuration (and runs a cycle with it at once).
//!
//! Everything runs on the agent's current-thread runtime: the `/healthz` and `/metrics`
//! responder is a set of local tasks reading the [`Status`] the loop writes after each
//! cycle; notifications are sent after the cycle, bounded by their timeout.

use crate::cycle::{self, Agent, CycleOptions, CycleReport};
use crate::notify::{self, Notifier};
use crate::watch::server::{Limits, Server};
use crate::watch::{Shared, Status};
use crate::{output, reload, schedule};
use anyhow::Context;
use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::time::Instant;

/// How the process should end.
pub enum Ending {
    /// Stopped by a signal.
    Signal,
    /// Stopped by a signal while a registrar write was in flight, and the write did not
    /// finish within the grace (`crate::stop`): its result is unknown.
    CutOff,
    /// The cron expression will never fire again.
    ScheduleExhausted,
    /// `--cycles N` ran its N cycles; whether the last one succeeded.
    CyclesDone { last_ok: bool },
}

/// Run the service until a signal stops it. Fails only at start: signal handlers, or the
/// `listen:` address that cannot be bound.
/// With `cycles` (the hidden `--cycles N`, for soak tests), it runs that many cycles back
/// to back, without the schedule's wait, and ends.
pub async fn run(
    agent: &mut Agent,
    opts: CycleOptions,
    quiet: bool,
    cycles: Option<u64>,
) -> anyhow::Result<Ending> {
    tokio::task::LocalSet::new()
        .run_until(serve(agent, opts, quiet, cycles))
        .await
}

/// The stop signals.
struct Stop {
    term: Signal,
    int: Signal,
}

impl Stop {
    fn install() -> anyhow::Result<Stop> {
        let installing = rust_i18n::t!("ui.service").into_owned();
        Ok(Stop {
            term: signal(SignalKind::terminate()).context(installing.clone())?,
            int: signal(SignalKind::interrupt()).context(installing)?,
        })
    }

    async fn recv(&mut self) -> Ending {
        let sig = tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "SIGINT",
        };
        tracing::info!("{sig} received; stopping");
        Ending::Signal
    }
}

async fn serve(
    agent: &mut Agent,
    opts: CycleOptions,
    quiet: bool,
    cycles: Option<u64>,
) -> anyhow::Result<Ending> {
    let installing = rust_i18n::t!("ui.service").into_owned();
    let mut stop = Stop::install()?;
    let mut hup = signal(SignalKind::hangup()).context(installing)?;
    let status: Shared = Rc::new(RefCell::new(Status::new(
        &agent.config,
        &agent.state,
        &agent.accounts,
        now_unix(),
    )));
    let mut listener = Listener::default();
    if let Some(addr) = agent.config.listen {
        listener
            .start(addr, &status)
            .await
            .with_context(|| rust_i18n::t!("ui.service.2", addr = addr).into_owned())?;
    }
    let notifier = Notifier::new().context(rust_i18n::t!("ui.service.3").into_owned())?;
    let mut done = 0u64;
    // Until every domain has had a provider request succeed, each cycle reads its record
    // through the provider even when DNS shows it current: no "ok" without evidence that
    // the credentials work. Again after each reload.
    let mut prove = true;
    loop {
        status.borrow_mut().cycle_started();
        let before = notify::failure_counts(&agent.state);
        let run_opts = CycleOptions {
            prove: opts.prove || prove,
            ..opts
        };
        let (report, stopping) = guarded_cycle(agent, run_opts, &mut stop).await;
        let Some(mut report) = report else {
            return Ok(stopping.unwrap_or(Ending::Signal));
        };
        if report.domains.iter().all(|d| d.proven) {
            prove = false;
        }
        let ok = finish(agent, &mut report, opts.dry_run, quiet);
        status
            .borrow_mut()
            .cycle_finished(&agent.config, &report, &agent.state, now_unix());
        if let Some(e) = stopping {
            tracing::info!("{}", rust_i18n::t!("stop.saved"));
            return Ok(e);
        }
        if !opts.dry_run && !agent.config.notify.is_empty() {
            let news = notify::news(&report, &before, &agent.state);
            let sent = tokio::select! {
                s = notifier.send_all(&agent.config.notify, &news) => s,
                e = stop.recv() => return Ok(e),
            };
            status.borrow_mut().notified(sent);
        }
        // The status page shows a `check` report; without the page nobody reads one.
        #[cfg(feature = "status-page")]
        if agent.config.listen.is_some() && !opts.dry_run && check_due(&status, &report) {
            let checks = tokio::select! {
                c = periodic_check(agent) => c,
                e = stop.recv() => return Ok(e),
            };
            if let Some(c) = checks {
                status.borrow_mut().checked(c, now_unix());
            }
        }
        done += 1;
        if let Some(n) = cycles {
            if done >= n {
                return Ok(Ending::CyclesDone { last_ok: ok });
            }
            tokio::task::yield_now().await;
            continue;
        }
        let Some(wait) = schedule::until_next(&agent.config.schedule) else {
            tracing::warn!("the schedule will never fire again; stopping");
            return Ok(Ending::ScheduleExhausted);
        };
        tracing::debug!("next cycle in {:.0} s", wait.as_secs_f64());
        status
            .borrow_mut()
            .next_cycle_at(now_unix() + wait.as_secs() as i64);
        let next = Instant::now() + wait.max(Duration::from_millis(10));
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(next) => break,
                e = stop.recv() => return Ok(e),
                _ = hup.recv() => {
                    if reconfigure(agent, &status, &mut listener).await {
                        prove = true;
                        break;
                    }
                }
            }
        }
    }
}

#[cfg(feature = "status-page")]
/// How often the service re-runs `check` for the status page when nothing changed.
const CHECK_EVERY: i64 = 24 * 3600;

#[cfg(feature = "status-page")]
/// The longest a scheduled `check` may take; a slower one is dropped (the page keeps the
/// previous report).
const CHECK_TIMEOUT: Duration = Duration::from_secs(120);

#[cfg(feature = "status-page")]
/// Whether the status page's `check` report is due: none yet, a record changed in
/// `report`, or the last one is a day old.
fn check_due(status: &Shared, report: &CycleReport) -> bool {
    let status = status.borrow();
    match &status.check {
        None => true,
        Some(c) => report.domains.iter().any(|d| d.changed()) || now_unix() - c.at >= CHECK_EVERY,
    }
}

#[cfg(feature = "status-page")]
/// `check` for every configured domain against the last agreed addresses, for the status
/// page; `None` when it took longer than [`CHECK_TIMEOUT`].
async fn periodic_check(agent: &Agent) -> Option<Vec<crate::check::DomainCheck>> {
    use crate::check::{check_domain, CheckInput, DEFAULT_BLOCKLISTS};
    let addrs: Vec<std::net::IpAddr> = agent
        .state
        .addresses
        .values()
        .filter_map(|a| a.parse().ok())
        .collect();
    let blocklists: Vec<String> = DEFAULT_BLOCKLISTS.iter().map(|s| s.to_string()).collect();
    let ipv6_enabled = agent.config.detect.ipv6_enabled();
    let checks = agent.config.domains.iter().map(|d| {
        let input = CheckInput {
            domain: &d.domain,
            addrs: &addrs,
            ipv6_enabled,
            dkim_selectors: &d.dkim_selectors,
            blocklists: &blocklists,
            ports: None,
            mail: d.mail.as_ref(),
        };
        async move { check_domain(&agent.dns, &input).await }
    });
    let all = crate::dns::join::join_all(checks.collect());
    match tokio::time::timeout(CHECK_TIMEOUT, all).await {
        Ok(c) => Some(c),
        Err(_) => {
            tracing::warn!(
                "the scheduled mail DNS check took longer than {} s; the status page keeps the previous report",
                CHECK_TIMEOUT.as_secs()
            );
            None
        }
    }
}

/// SIGHUP: reload, and carry the new configuration to the status and the listener.
/// Returns whether the new configuration is in use.
async fn reconfigure(agent: &mut Agent, status: &Shared, listener: &mut Listener) -> bool {
    let path = agent.config.path.display().to_string();
    tracing::info!("SIGHUP received; reloading {path}");
    if let Err(e) = reload::reload(agent) {
        tracing::error!("the configuration was not reloaded; the running one stays in use:\n{e}");
        return false;
    }
    status
        .borrow_mut()
        .reconfigure(&agent.config, &agent.state, &agent.accounts);
    listener.follow(agent.config.listen, status).await;
    tracing::info!("configuration reloaded from {path}; running a cycle with it now");
    true
}

/// The `/healthz` and `/metrics` responder, as configured.
#[derive(Default)]
struct Listener {
    /// The configured address (its port may be 0) and the running server.
    running: Option<(SocketAddr, Server)>,
}

impl Listener {
    async fn start(&mut self, addr: SocketAddr, status: &Shared) -> std::io::Result<()> {
        let server = Server::start(addr, status.clone(), Limits::default()).await?;
        // A parseable line: tests and scripts read the bound port from it.
        tracing::info!("listening on {} for /healthz and /metrics", server.addr());
        self.running = Some((addr, server));
        Ok(())
    }

    /// Move to `want` after a reload. A new address that cannot be bound is reported and
    /// the old one is kept when possible.
    async fn follow(&mut self, want: Option<SocketAddr>, status: &Shared) {
        let have = self.running.as_ref().map(|(a, _)| *a);
        if have == want {
            return;
        }
        let Some(addr) = want else {
            self.running = None;
            tracing::info!("/healthz and /metrics are off");
            return;
        };
        // The new address may overlap the old one (same port): free it first.
        if let Some((_, old)) = self.running.take() {
            old.stop().await;
        }
        if let Err(e) = self.start(addr, status).await {
            tracing::error!("cannot listen on {addr} for /healthz and /metrics: {e}");
            if let Some(prev) = have {
                if let Err(e) = self.start(prev, status).await {
                    tracing::error!(
                        "cannot listen on {prev} again either: {e}; /healthz and /metrics are off"
                    );
                }
            }
        }
    }
}

/// One cycle that a stop signal ends at once — unless a registrar write has been sent in
/// it: then no new write starts and the cycle gets the grace ([`crate::stop::grace`]) to
/// finish, so that the write's result is saved. Returns the report of a finished cycle
/// (`None`: abandoned), and the ending when a signal came.
async fn guarded_cycle(
    agent: &mut Agent,
    opts: CycleOptions,
    stop: &mut Stop,
) -> (Option<CycleReport>, Option<Ending>) {
    use crate::stop::Guarded;
    let signalled = async {
        stop.recv().await;
    };
    match crate::stop::guard_with(cycle::run(agent, opts), signalled).await {
        Guarded::Finished(r) => (Some(r), None),
        Guarded::FinishedAfterStop(r) => (Some(r), Some(Ending::Signal)),
        // Nothing sent: the state file stays the last complete one.
        Guarded::Abandoned => (None, Some(Ending::Signal)),
        Guarded::CutOff => (None, Some(Ending::CutOff)),
    }
}

/// One cycle for `--update-now` (and cron): run it, report it, notify. Returns whether it
/// succeeded. SIGTERM/SIGINT during it: see [`guarded_cycle`] (an abandoned or cut-off
/// cycle fails).
pub async fn once(agent: &mut Agent, opts: CycleOptions, quiet: bool) -> bool {
    let before = notify::failure_counts(&agent.state);
    let (report, stopping) = match Stop::install() {
        Ok(mut stop) => guarded_cycle(agent, opts, &mut stop).await,
        Err(e) => {
            tracing::warn!("{e:#}");
            (Some(cycle::run(agent, opts).await), None)
        }
    };
    let Some(mut report) = report else {
        return false;
    };
    let ok = finish(agent, &mut report, opts.dry_run, quiet);
    if stopping.is_some() {
        // Finished within the grace: saved; no notification to wait for.
        tracing::info!("{}", rust_i18n::t!("stop.saved"));
        return ok;
    }
    if !opts.dry_run && !agent.config.notify.is_empty() {
        match Notifier::new() {
            Ok(n) => {
                let news = notify::news(&report, &before, &agent.state);
                n.send_all(&agent.config.notify, &news).await;
            }
            Err(e) => tracing::warn!("cannot send notifications: {e}"),
        }
    }
    ok
}

/// Print the cycle's summary, save the state. Returns whether the cycle succeeded.
#[cfg(feature = "demo")]
pub fn finish_cycle(
    agent: &mut Agent,
    mut report: CycleReport,
    dry_run: bool,
    quiet: bool,
) -> bool {
    finish(agent, &mut report, dry_run, quiet)
}

/// [`finish_cycle`], leaving the report to the caller.
fn finish(agent: &mut Agent, report: &mut CycleReport, dry_run: bool, quiet: bool) -> bool {
    if !dry_run {
        if let Err(e) = crate::state::save(&agent.config.state_file, &agent.state) {
            report.state_error = Some(e.to_string());
        }
    }
    let summary = output::summarize(report, dry_run);
    if !quiet {
        for l in &summary.lines {
            crate::say!("{l}");
        }
    }
    for p in &summary.problems {
        crate::say_err!("{p}");
    }
    report.ok()
}

fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}
