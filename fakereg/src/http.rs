//! The HTTP side shared by every vendor emulator: one loopback listener per vendor (so each
//! serves its real paths), request logging, and the HTTP fault script.
//!
//! A vendor implements [`Vendor`] (synchronous handling over the shared store) and is started
//! with [`serve`]; the listener applies faults and logs around it.

use std::future::IntoFuture;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::serve::IncomingStream;
use axum::Router;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::faults::{Faults, HttpFault};
use crate::log::{LoggedRequest, RequestLog};

/// Largest request body accepted.
const MAX_BODY: usize = 4 << 20;

/// One HTTP request, body read in full.
pub(crate) struct HttpRequest {
    pub method: String,
    pub path: String,
    /// Raw query string without `?` (empty when none).
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl HttpRequest {
    /// A header's value as text, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The query string decoded into (key, value) pairs, in order (`+` is a space).
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(&s.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        };
        self.query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(k), decode(v))
            })
            .collect()
    }
}

/// One HTTP answer.
#[derive(Clone, Debug)]
pub(crate) struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn new(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        HttpResponse {
            status,
            headers: vec![("content-type".to_string(), content_type.to_string())],
            body,
        }
    }

    pub fn text(status: u16, body: &str) -> Self {
        Self::new(
            status,
            "text/plain; charset=utf-8",
            body.as_bytes().to_vec(),
        )
    }

    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self::new(status, "application/json", body.to_string().into_bytes())
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    fn into_axum(self) -> Response {
        let mut resp = Response::new(Body::from(self.body));
        *resp.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        for (k, v) in self.headers {
            if let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::try_from(v)) {
                resp.headers_mut().append(k, v);
            }
        }
        resp
    }
}

/// A vendor API emulator (or the IP echo) behind its own listener.
pub(crate) trait Vendor: Send + Sync + 'static {
    /// Short name: `cloudflare`, `echo`, later `aliyun`, `godaddy`. Used in the log and fault matching.
    fn name(&self) -> &'static str;
    /// Whether the request asks for a change, as this vendor's API defines it.
    fn is_write(&self, req: &HttpRequest) -> bool;
    /// The API action when the vendor names it outside the path and query (DNSPod's
    /// `X-TC-Action` header), for the request log and fault matching.
    fn action(&self, _req: &HttpRequest) -> Option<String> {
        None
    }
    /// Handles one request.
    fn handle(&self, req: &HttpRequest) -> HttpResponse;
    /// This vendor's 429 answer (used by the `RateLimited` fault).
    fn rate_limited(&self, retry_after_secs: u64) -> HttpResponse;
}

/// Log and faults, shared by every listener.
#[derive(Clone)]
pub(crate) struct HttpShared {
    pub log: RequestLog,
    pub faults: Faults,
}

#[derive(Clone)]
struct Ctx {
    vendor: Arc<dyn Vendor>,
    shared: HttpShared,
}

/// Binds 127.0.0.1:0 and serves `vendor` there until `shutdown` turns true; returns the address.
pub(crate) async fn serve(
    vendor: Arc<dyn Vendor>,
    shared: HttpShared,
    mut shutdown: watch::Receiver<bool>,
) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let app = Router::new()
        .fallback(entry)
        .with_state(Ctx { vendor, shared });
    let server = axum::serve(
        KillableListener(listener),
        app.into_make_service_with_connect_info::<ConnHandle>(),
    )
    .into_future();
    tokio::spawn(async move {
        tokio::select! {
            _ = server => {}
            _ = shutdown.wait_for(|stop| *stop) => {}
        }
    });
    Ok(addr)
}

async fn entry(
    State(ctx): State<Ctx>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return HttpResponse::text(413, "request body too large\n").into_axum();
    };
    let req = HttpRequest {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        headers: parts.headers,
        body,
    };
    let vendor = ctx.vendor.as_ref();
    let write = vendor.is_write(&req);
    let action = vendor.action(&req).unwrap_or_default();
    let fault =
        ctx.shared
            .faults
            .take_http(vendor.name(), &req.method, &req.path, &req.query, &action);
    let (label, answer) = match fault {
        None => (None, Some(vendor.handle(&req))),
        Some((label, fault)) => (Some(label), apply(fault, vendor, &req).await),
    };
    ctx.shared.log.push_http(LoggedRequest {
        vendor: vendor.name(),
        method: req.method.clone(),
        path: req.path.clone(),
        query: req.query.clone(),
        action,
        body: String::from_utf8_lossy(&req.body).into_owned(),
        status: answer.as_ref().map_or(0, |a| a.status),
        write,
        fault: label,
        rcode: None,
    });
    match answer {
        Some(a) => a.into_axum(),
        None => {
            // The stream refuses to write from now on, so this answer never leaves.
            conn.kill();
            HttpResponse::text(500, "").into_axum()
        }
    }
}

/// Applies a fault; `None` means "close the connection without an answer".
async fn apply(fault: HttpFault, vendor: &dyn Vendor, req: &HttpRequest) -> Option<HttpResponse> {
    match fault {
        HttpFault::Status {
            status,
            content_type,
            body,
        } => Some(HttpResponse::new(status, &content_type, body.into_bytes())),
        HttpFault::RateLimited { retry_after_secs } => Some(vendor.rate_limited(retry_after_secs)),
        HttpFault::HtmlError { status } => Some(html_error(status)),
        HttpFault::Delay(d) => {
            tokio::time::sleep(d).await;
            Some(vendor.handle(req))
        }
        HttpFault::Hang(d) => {
            tokio::time::sleep(d).await;
            None
        }
        HttpFault::TruncatedJson => {
            let mut a = vendor.handle(req);
            a.body.truncate(a.body.len() / 2);
            Some(a)
        }
        HttpFault::Echo { status, json } => Some(echo(status, json, req)),
        HttpFault::Redirect { status, target } => {
            let mut location = format!("{}{}", target.trim_end_matches('/'), req.path);
            if !req.query.is_empty() {
                location.push('?');
                location.push_str(&req.query);
            }
            Some(HttpResponse::text(status, "moved\n").header("location", &location))
        }
        HttpFault::Close => None,
        HttpFault::CloseAfterHandling => {
            vendor.handle(req);
            None
        }
    }
}

/// The request, echoed back whole (the `Echo` fault).
fn echo(status: u16, json: bool, req: &HttpRequest) -> HttpResponse {
    let mut text = format!("{} {}", req.method, req.path);
    if !req.query.is_empty() {
        text.push('?');
        text.push_str(&req.query);
    }
    text.push_str(" HTTP/1.1\n");
    for (k, v) in &req.headers {
        text.push_str(&format!("{k}: {}\n", String::from_utf8_lossy(v.as_bytes())));
    }
    text.push('\n');
    text.push_str(&String::from_utf8_lossy(&req.body));
    if json {
        let body = serde_json::json!({
            "success": false,
            "errors": [{"code": 10000, "message": text}],
            "messages": [],
            "result": null,
            "code": "ECHO",
            "message": text,
            "Code": "Echo",
            "Message": text,
            "RequestId": "00000000-0000-4000-8000-000000000000",
        });
        HttpResponse::json(status, &body)
    } else {
        HttpResponse::text(status, &text)
    }
}

fn html_error(status: u16) -> HttpResponse {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let body = format!(
        "<!DOCTYPE html>\n<html>\n<head><title>{status} {reason}</title></head>\n<body>\n<center><h1>{status} {reason}</h1></center>\n<hr><center>cloudflare</center>\n</body>\n</html>\n"
    );
    HttpResponse::new(status, "text/html", body.into_bytes())
}

/// A TCP listener whose connections can be cut from a handler (for the `Close` faults).
struct KillableListener(TcpListener);

/// Per-connection info given to handlers: the peer and the switch that cuts the connection.
#[derive(Clone, Debug)]
struct ConnHandle {
    killed: Arc<AtomicBool>,
}

impl ConnHandle {
    fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
    }
}

impl axum::serve::Listener for KillableListener {
    type Io = KillableStream;
    type Addr = ConnHandle;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((inner, _peer)) => {
                    let killed = Arc::new(AtomicBool::new(false));
                    let handle = ConnHandle {
                        killed: killed.clone(),
                    };
                    return (KillableStream { inner, killed }, handle);
                }
                // Out of file descriptors and the like: wait a little and go on.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(ConnHandle {
            killed: Arc::new(AtomicBool::new(false)),
        })
    }
}

impl Connected<IncomingStream<'_, KillableListener>> for ConnHandle {
    fn connect_info(stream: IncomingStream<'_, KillableListener>) -> Self {
        stream.remote_addr().clone()
    }
}

/// A TCP stream that fails every write (and reads EOF) once its connection was killed, and
/// then resets instead of closing cleanly.
struct KillableStream {
    inner: TcpStream,
    killed: Arc<AtomicBool>,
}

impl KillableStream {
    fn check(&self) -> io::Result<()> {
        if self.killed.load(Ordering::SeqCst) {
            // Best effort: a reset is more like a dropped connection than a clean close.
            let _ = self.inner.set_zero_linger();
            Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "connection cut by a fault rule",
            ))
        } else {
            Ok(())
        }
    }
}

impl AsyncRead for KillableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.check().is_err() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
