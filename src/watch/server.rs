//! A small HTTP/1.1 responder for the status page (`/`), `/healthz` and `/metrics`, on the agent's own
//! current-thread runtime (tasks of a `LocalSet`): one request per connection
//! (`Connection: close`), GET and HEAD only, a cap on the request head's size and on the
//! time to receive it, a cap on simultaneous connections — when it is reached, the client
//! that has waited longest without sending a request is closed to make room, so that idle
//! or slow clients cannot lock the health probe out. Enough for Prometheus, a
//! container health check or curl; nothing more, on purpose.

#[cfg(feature = "status-page")]
use super::page;
use super::{health::health, metrics, Shared, Status};
#[cfg(feature = "status-page")]
use crate::i18n::Lang;
use std::cell::RefCell;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Bounds on what a client may cost.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time to receive the request head.
    pub read_timeout: Duration,
    /// Time to send the answer.
    pub write_timeout: Duration,
    /// Largest request head accepted (request line and headers).
    pub max_request: usize,
    /// Connections served at once; more are closed at once.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            read_timeout: Duration::from_secs(3),
            write_timeout: Duration::from_secs(5),
            max_request: 8 * 1024,
            max_connections: 16,
        }
    }
}

/// A running responder. Dropping it stops accepting (answers in progress finish).
pub struct Server {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Server {
    /// Bind `addr` and serve `status` there. Must be called inside a `LocalSet`.
    pub async fn start(addr: SocketAddr, status: Shared, limits: Limits) -> io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let task = tokio::task::spawn_local(accept_loop(listener, status, limits));
        Ok(Server { addr, task })
    }

    /// The bound address (the real port when the configured one was 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stop accepting, and return once the listening socket is closed (so that the
    /// address can be bound again at once).
    pub async fn stop(mut self) {
        self.task.abort();
        // The task ends cancelled: its outcome says nothing more.
        let _ = (&mut self.task).await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The connections being served. One still waiting for its request head is the first to
/// go when a new client needs the slot: slow or idle clients cannot lock the health probe
/// out (it sends its request at once, so it never waits long in that state).
#[derive(Default)]
struct Slots {
    open: usize,
    next: u64,
    /// Connections still reading their request head, oldest first, each with its stop.
    reading: std::collections::BTreeMap<u64, Rc<tokio::sync::Notify>>,
}

async fn accept_loop(listener: TcpListener, status: Shared, limits: Limits) {
    let slots = Rc::new(RefCell::new(Slots::default()));
    loop {
        let stream = match listener.accept().await {
            Ok((s, _)) => s,
            Err(e) => {
                // Out of file descriptors and the like: wait instead of spinning.
                tracing::warn!("the health and metrics listener cannot accept: {e}");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        let (id, evict) = {
            let mut sl = slots.borrow_mut();
            if sl.open >= limits.max_connections {
                // Full: close the client that has waited longest without a request.
                match sl.reading.pop_first() {
                    Some((_, stop)) => {
                        stop.notify_one();
                        sl.open -= 1;
                    }
                    None => {
                        drop(stream);
                        continue;
                    }
                }
            }
            sl.open += 1;
            sl.next += 1;
            let id = sl.next;
            let evict = Rc::new(tokio::sync::Notify::new());
            sl.reading.insert(id, evict.clone());
            (id, evict)
        };
        let slots = slots.clone();
        let status = status.clone();
        tokio::task::spawn_local(async move {
            let headed = || {
                slots.borrow_mut().reading.remove(&id);
            };
            tokio::select! {
                r = serve(stream, &status, limits, headed) => {
                    if let Err(e) = r {
                        tracing::debug!("health and metrics connection: {e}");
                    }
                    let mut sl = slots.borrow_mut();
                    sl.reading.remove(&id);
                    sl.open -= 1;
                }
                // Evicted: its slot was already given to a newer client.
                _ = evict.notified() => {}
            }
        });
    }
}

/// What was read of a request.
enum Head {
    /// The request line, and the one header used (the status page's language).
    Complete(String, Option<String>),
    TooLarge,
    /// The client closed the connection before sending a whole head.
    Closed,
}

async fn read_head(stream: &mut TcpStream, max: usize) -> io::Result<Head> {
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(Head::Closed);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = find_end(&buf) {
            if end > max {
                return Ok(Head::TooLarge);
            }
            let head = String::from_utf8_lossy(&buf[..end]);
            let mut lines = head.lines();
            let line = lines.next().unwrap_or("").to_string();
            let accept_language = lines.find_map(|h| {
                let (name, value) = h.split_once(':')?;
                name.trim()
                    .eq_ignore_ascii_case("accept-language")
                    .then(|| value.trim().to_string())
            });
            return Ok(Head::Complete(line, accept_language));
        }
        if buf.len() > max {
            return Ok(Head::TooLarge);
        }
    }
}

/// The end of the request head (after the empty line), if it has arrived.
fn find_end(buf: &[u8]) -> Option<usize> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
    let lf = buf.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Serve one connection; `headed` is called once the request head is read (from then on
/// the connection is not evicted for a newer one).
async fn serve(
    mut stream: TcpStream,
    status: &Shared,
    limits: Limits,
    headed: impl FnOnce(),
) -> io::Result<()> {
    let head = tokio::time::timeout(
        limits.read_timeout,
        read_head(&mut stream, limits.max_request),
    )
    .await;
    headed();
    let answer = match head {
        Err(_) => Answer::text(408, "the request did not arrive in time\n"),
        Ok(Err(e)) => return Err(e),
        Ok(Ok(Head::Closed)) => return Ok(()),
        Ok(Ok(Head::TooLarge)) => Answer::text(431, "the request is too large\n"),
        Ok(Ok(Head::Complete(line, lang))) => {
            respond(&line, lang.as_deref(), &status.borrow(), Instant::now())
        }
    };
    let bytes = answer.to_bytes();
    match tokio::time::timeout(limits.write_timeout, async {
        stream.write_all(&bytes).await?;
        stream.shutdown().await
    })
    .await
    {
        Ok(r) => r,
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the client did not read the answer in time",
        )),
    }
}

/// An HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub code: u16,
    pub content_type: &'static str,
    pub body: String,
    /// HEAD: the headers of the GET answer, without its body.
    pub head_only: bool,
    /// 405: `Allow: GET, HEAD`.
    pub allow: bool,
}

impl Answer {
    fn text(code: u16, body: &str) -> Answer {
        Answer {
            code,
            content_type: "text/plain; charset=utf-8",
            body: body.to_string(),
            head_only: false,
            allow: false,
        }
    }

    /// The answer on the wire. The body passes through the redaction point here, so that
    /// every page this server has (or will have) masks the agent's secrets.
    fn to_bytes(&self) -> Vec<u8> {
        let body = crate::redact::redact(&self.body);
        let mut out = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n",
            self.code,
            reason(self.code),
            self.content_type,
            body.len()
        );
        if self.allow {
            out.push_str("Allow: GET, HEAD\r\n");
        }
        out.push_str("\r\n");
        if !self.head_only {
            out.push_str(&body);
        }
        out.into_bytes()
    }
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// The answer to the request line `line`, from `status` at `now`.
#[cfg(test)]
pub fn route(line: &str, status: &Status, now: Instant) -> Answer {
    respond(line, None, status, now)
}

/// The answer to the request line `line` with the `Accept-Language` header
/// `accept_language`, from `status` at `now`.
pub fn respond(line: &str, accept_language: Option<&str>, status: &Status, now: Instant) -> Answer {
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Answer::text(400, "not an HTTP request line\n");
    };
    if !version.starts_with("HTTP/1.") {
        return Answer::text(505, "only HTTP/1.x is spoken here\n");
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != "/" && path != "/healthz" && path != "/metrics" {
        return Answer::text(404, "not found: try /, /healthz or /metrics\n");
    }

    let head_only = match method {
        "GET" => false,
        "HEAD" => true,
        _ => {
            let mut a = Answer::text(405, "only GET and HEAD are allowed\n");
            a.allow = true;
            return a;
        }
    };
    let mut answer = if path == "/" {
        status_page(query, accept_language, status)
    } else if path == "/healthz" {
        let h = health(status, now);
        Answer {
            code: h.code,
            content_type: "application/json",
            body: h.body,
            head_only: false,
            allow: false,
        }
    } else {
        Answer {
            code: 200,
            content_type: metrics::CONTENT_TYPE,
            body: metrics::metrics(status),
            head_only: false,
            allow: false,
        }
    };
    answer.head_only = head_only;
    answer
}

/// The status page (`/`) in the language asked for.
#[cfg(feature = "status-page")]
fn status_page(query: &str, accept_language: Option<&str>, status: &Status) -> Answer {
    // `?lang=` (the page's own links), then the browser's preference, then the agent's.
    let lang = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("lang="))
        .and_then(Lang::from_tag)
        .or_else(|| accept_language.and_then(Lang::from_accept_language))
        .unwrap_or(status.lang);
    Answer {
        code: 200,
        content_type: page::CONTENT_TYPE,
        body: page::render(status, lang, chrono::Utc::now().timestamp()),
        head_only: false,
        allow: false,
    }
}

/// A build without the status page (cargo feature `status-page`) says so at `/`.
#[cfg(not(feature = "status-page"))]
fn status_page(_: &str, _: Option<&str>, _: &Status) -> Answer {
    Answer::text(
        404,
        "this build has no status page (cargo feature status-page): try /healthz or /metrics\n",
    )
}

#[cfg(test)]
mod tests;
