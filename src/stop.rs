//! Stopping on SIGTERM or SIGINT without cutting a registrar write in half.
//!
//! The signal handlers live in `crate::service`; this is the process-wide flag they set
//! and the engine reads: once a stop is asked for, no new provider write starts, a write
//! already sent is given a bounded grace to finish (so that its result is saved), and
//! the writes still open when the grace runs out are named in the log.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static STOPPING: AtomicBool = AtomicBool::new(false);
static SINCE: Mutex<Option<Instant>> = Mutex::new(None);
static STARTED: AtomicUsize = AtomicUsize::new(0);
static NEXT: AtomicU64 = AtomicU64::new(0);
static OPEN: Mutex<Vec<(u64, String)>> = Mutex::new(Vec::new());

/// The longest a write already sent may take to finish after SIGTERM/SIGINT.
pub const GRACE: Duration = Duration::from_secs(30);

/// The grace: [`GRACE`], or `MXDDNS_STOP_GRACE_MS` (a knob for the tests, which cannot
/// wait 30 s for a cut-off).
pub fn grace() -> Duration {
    std::env::var("MXDDNS_STOP_GRACE_MS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_millis)
        .unwrap_or(GRACE)
}

/// Ask for a stop: no provider write starts from now on.
pub fn request() {
    STOPPING.store(true, Ordering::SeqCst);
    let mut since = SINCE.lock().unwrap_or_else(|e| e.into_inner());
    since.get_or_insert_with(Instant::now);
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    STOPPING.load(Ordering::SeqCst)
}

/// Resolves once a stop has been asked for at least `after` ago (never, otherwise).
pub async fn stopped_for(after: Duration) {
    loop {
        let since = *SINCE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = since {
            let left = after.saturating_sub(t.elapsed());
            if left.is_zero() {
                return;
            }
            tokio::time::sleep(left).await;
        } else {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A new cycle: no write of it has been sent yet.
pub fn begin_cycle() {
    STARTED.store(0, Ordering::SeqCst);
}

/// How many provider writes the current cycle has sent (finished or not).
pub fn writes_started() -> usize {
    STARTED.load(Ordering::SeqCst)
}

/// The provider writes sent and not yet answered, by label.
pub fn open_writes() -> Vec<String> {
    OPEN.lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|(_, l)| l.clone())
        .collect()
}

/// A provider write in flight: counted from its creation to its drop.
pub struct InFlight(u64);

/// Mark a provider write (`label`, e.g. the account) as sent.
pub fn in_flight(label: &str) -> InFlight {
    let id = NEXT.fetch_add(1, Ordering::SeqCst);
    STARTED.fetch_add(1, Ordering::SeqCst);
    OPEN.lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((id, label.to_string()));
    InFlight(id)
}

impl Drop for InFlight {
    fn drop(&mut self) {
        OPEN.lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(id, _)| *id != self.0);
    }
}

/// How a piece of work run under [`guard`] ended.
pub enum Guarded<T> {
    /// It finished with no stop asked for.
    Finished(T),
    /// A stop was asked for while a write was in flight, and the work finished within
    /// the grace.
    FinishedAfterStop(T),
    /// A stop was asked for before any write was sent: the work was dropped.
    Abandoned,
    /// The grace ran out with a write still open (named in the log): the work was dropped.
    CutOff,
}

#[cfg_attr(not(feature = "mail-setup"), allow(dead_code))]
/// Run `work` (writes through the engine) so that SIGTERM/SIGINT neither cuts a write in
/// half nor lets a new one start: before any write the work is dropped at once; after one
/// it gets the [`grace`] to finish. Used by `apply`; the service and `--update-now` keep one signal
/// set for their whole run and pass it to [`guard_with`].
pub async fn guard<F: std::future::Future>(work: F) -> Guarded<F::Output> {
    use tokio::signal::unix::{signal, SignalKind};
    let (mut term, mut int) = match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(t), Ok(i)) => (t, i),
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!("cannot install signal handlers: {e}");
            return Guarded::Finished(work.await);
        }
    };
    let signalled = async {
        let sig = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        tracing::info!("{sig} received; stopping");
    };
    guard_with(work, signalled).await
}

/// [`guard`] with the caller's own stop signal (the service keeps one signal set for its
/// whole life): `signalled` resolves when a stop is asked for.
pub async fn guard_with<F: std::future::Future>(
    work: F,
    signalled: impl std::future::Future<Output = ()>,
) -> Guarded<F::Output> {
    begin_cycle();
    tokio::pin!(work);
    tokio::select! {
        r = &mut work => return Guarded::Finished(r),
        () = signalled => {}
    };
    request();
    if writes_started() == 0 {
        return Guarded::Abandoned;
    }
    let grace = grace();
    tracing::warn!(
        "{}",
        rust_i18n::t!(
            "stop.finishing",
            open = open_writes().len(),
            secs = format!("{:.0}", grace.as_secs_f64())
        )
    );
    match tokio::time::timeout(grace, &mut work).await {
        Ok(r) => Guarded::FinishedAfterStop(r),
        Err(_) => {
            let open = open_writes();
            tracing::error!(
                "{}",
                rust_i18n::t!(
                    "stop.cut_off",
                    secs = format!("{:.0}", grace.as_secs_f64()),
                    writes = if open.is_empty() {
                        "-".to_string()
                    } else {
                        open.join(", ")
                    }
                )
            );
            Guarded::CutOff
        }
    }
}
