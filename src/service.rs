//! The long-running service: a cycle at start, then on the schedule, until SIGTERM or
//! SIGINT. A failing cycle is reported and the next one runs as planned; a signal during a
//! cycle abandons it before its state is saved, so the state file is always the last
//! complete one.

use crate::cycle::{self, Agent, CycleOptions, CycleReport};
use crate::output;
use crate::schedule;
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};

/// How the process should end.
pub enum Ending {
    /// Stopped by a signal.
    Signal,
    /// The cron expression will never fire again.
    ScheduleExhausted,
}

pub async fn run(agent: &mut Agent, opts: CycleOptions, quiet: bool) -> std::io::Result<Ending> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    loop {
        let report = tokio::select! {
            r = cycle::run(agent, opts) => r,
            _ = term.recv() => return Ok(stopping("SIGTERM")),
            _ = int.recv() => return Ok(stopping("SIGINT")),
        };
        finish_cycle(agent, report, opts.dry_run, quiet);
        let Some(wait) = schedule::until_next(&agent.config.schedule) else {
            tracing::warn!("the schedule will never fire again; stopping");
            return Ok(Ending::ScheduleExhausted);
        };
        tracing::debug!("next cycle in {:.0} s", wait.as_secs_f64());
        tokio::select! {
            _ = tokio::time::sleep(wait.max(Duration::from_millis(10))) => {}
            _ = term.recv() => return Ok(stopping("SIGTERM")),
            _ = int.recv() => return Ok(stopping("SIGINT")),
        }
    }
}

fn stopping(sig: &str) -> Ending {
    tracing::info!("{sig} received; stopping");
    Ending::Signal
}

/// Print the cycle's summary, save the state. Returns whether the cycle succeeded.
pub fn finish_cycle(
    agent: &mut Agent,
    mut report: CycleReport,
    dry_run: bool,
    quiet: bool,
) -> bool {
    if !dry_run {
        if let Err(e) = crate::state::save(&agent.config.state_file, &agent.state) {
            report.state_error = Some(e.to_string());
        }
    }
    let summary = output::summarize(&report, dry_run);
    if !quiet {
        for l in &summary.lines {
            println!("{l}");
        }
    }
    for p in &summary.problems {
        eprintln!("{p}");
    }
    report.ok()
}
