use super::*;
use std::cell::RefCell;
use tokio::task::LocalSet;

fn status() -> Status {
    let mut s = Status::blank(1_700_000_000);
    s.cycles_ok = 7;
    s
}

#[test]
fn routes() {
    let s = status();
    let now = Instant::now();
    let a = route("GET /healthz HTTP/1.1", &s, now);
    assert_eq!((a.code, a.content_type), (200, "application/json"));
    let j: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(j["status"], "starting");

    let a = route("GET /metrics?name[]=x HTTP/1.0", &s, now);
    assert_eq!((a.code, a.content_type), (200, metrics::CONTENT_TYPE));
    assert!(a
        .body
        .contains("mxddns_cycles_total{result=\"success\"} 7\n"));
    assert!(!a.head_only);

    assert!(route("HEAD /metrics HTTP/1.1", &s, now).head_only);
    let a = route("POST /metrics HTTP/1.1", &s, now);
    assert_eq!(a.code, 405);
    assert!(a.allow);
    let page = route("GET / HTTP/1.1", &s, now);
    assert_eq!((page.code, page.content_type), (200, page::CONTENT_TYPE));
    assert_eq!(route("GET /index.html HTTP/1.1", &s, now).code, 404);
    assert_eq!(route("GET /metrics/x HTTP/1.1", &s, now).code, 404);
    assert_eq!(route("GET /metrics HTTP/2.0", &s, now).code, 505);
    for bad in [
        "",
        "GET",
        "GET /metrics",
        "GET  /metrics HTTP/1.1",
        "\u{1}\u{2}",
    ] {
        assert_eq!(route(bad, &s, now).code, 400, "{bad:?}");
    }
}

/// Send `request` (as it is) and read the whole answer.
async fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(request).await.unwrap();
    let mut out = Vec::new();
    c.read_to_end(&mut out).await.unwrap();
    String::from_utf8(out).unwrap()
}

/// Status line, headers (lowercased names), body.
fn parse(answer: &str) -> (String, Vec<(String, String)>, String) {
    let (head, body) = answer.split_once("\r\n\r\n").expect("a whole answer");
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().to_string();
    let headers = lines
        .map(|l| {
            let (k, v) = l.split_once(": ").unwrap();
            (k.to_ascii_lowercase(), v.to_string())
        })
        .collect();
    (status, headers, body.to_string())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

async fn start(limits: Limits) -> (Server, Shared) {
    let shared: Shared = Rc::new(RefCell::new(status()));
    let server = Server::start("127.0.0.1:0".parse().unwrap(), shared.clone(), limits)
        .await
        .unwrap();
    assert_ne!(server.addr().port(), 0);
    (server, shared)
}

#[tokio::test]
async fn serves_metrics_and_health_over_tcp() {
    LocalSet::new()
        .run_until(async {
            let (server, shared) = start(Limits::default()).await;
            let addr = server.addr();

            let (status, headers, body) =
                parse(&exchange(addr, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await);
            assert_eq!(status, "HTTP/1.1 200 OK");
            assert_eq!(
                header(&headers, "content-length"),
                Some(body.len().to_string().as_str())
            );
            assert_eq!(header(&headers, "connection"), Some("close"));
            assert_eq!(
                header(&headers, "content-type"),
                Some(metrics::CONTENT_TYPE)
            );
            assert!(
                body.contains("mxddns_cycles_total{result=\"success\"} 7\n"),
                "{body}"
            );

            // The status is read at each request.
            shared.borrow_mut().cycles_ok = 8;
            let (_, _, body) = parse(&exchange(addr, b"GET /metrics HTTP/1.1\n\n").await);
            assert!(body.contains("mxddns_cycles_total{result=\"success\"} 8\n"));

            let (status, headers, body) =
                parse(&exchange(addr, b"HEAD /healthz HTTP/1.1\r\n\r\n").await);
            assert_eq!(status, "HTTP/1.1 200 OK");
            assert_eq!(body, "");
            let len: usize = header(&headers, "content-length").unwrap().parse().unwrap();
            assert!(len > 10);

            let (status, headers, _) = parse(
                &exchange(addr, b"POST /healthz HTTP/1.1\r\nContent-Length: 0\r\n\r\n").await,
            );
            assert_eq!(status, "HTTP/1.1 405 Method Not Allowed");
            assert_eq!(header(&headers, "allow"), Some("GET, HEAD"));

            let (status, _, _) = parse(&exchange(addr, b"GET /nope HTTP/1.1\r\n\r\n").await);
            assert_eq!(status, "HTTP/1.1 404 Not Found");

            // A head larger than the cap, with or without its end.
            let mut big = b"GET /metrics HTTP/1.1\r\nX-Filler: ".to_vec();
            big.extend(std::iter::repeat_n(b'a', 10_000));
            let (status, _, _) = parse(&exchange(addr, &big).await);
            assert_eq!(status, "HTTP/1.1 431 Request Header Fields Too Large");
            big.extend_from_slice(b"\r\n\r\n");
            let (status, _, _) = parse(&exchange(addr, &big).await);
            assert_eq!(status, "HTTP/1.1 431 Request Header Fields Too Large");

            // A client that closes early costs nothing and breaks nothing.
            drop(TcpStream::connect(addr).await.unwrap());
            let (status, _, _) = parse(&exchange(addr, b"GET /healthz HTTP/1.1\r\n\r\n").await);
            assert_eq!(status, "HTTP/1.1 200 OK");

            // Dropping the server stops accepting.
            drop(server);
            let mut refused = false;
            for _ in 0..100 {
                tokio::task::yield_now().await;
                if TcpStream::connect(addr).await.is_err() {
                    refused = true;
                    break;
                }
            }
            assert!(refused, "still accepting after the server was dropped");
        })
        .await;
}

#[tokio::test]
async fn slow_clients_and_too_many_connections() {
    LocalSet::new()
        .run_until(async {
            let limits = Limits {
                read_timeout: Duration::from_millis(200),
                max_connections: 1,
                ..Limits::default()
            };
            let (server, _shared) = start(limits).await;
            let addr = server.addr();

            // A connection that sends half a request and waits is answered 408 when the
            // read timeout ends.
            let mut slow = TcpStream::connect(addr).await.unwrap();
            slow.write_all(b"GET /metrics HT").await.unwrap();
            let mut out = Vec::new();
            slow.read_to_end(&mut out).await.unwrap();
            let (status, _, _) = parse(&String::from_utf8(out).unwrap());
            assert_eq!(status, "HTTP/1.1 408 Request Timeout");

            // One that holds the only slot without a request gives it up to a newer
            // client (the health probe is never locked out by idle clients).
            let mut idle = TcpStream::connect(addr).await.unwrap();
            idle.write_all(b"GET /metrics HT").await.unwrap();
            tokio::task::yield_now().await;
            let (status, _, _) = parse(&exchange(addr, b"GET /healthz HTTP/1.1\r\n\r\n").await);
            assert!(
                status == "HTTP/1.1 200 OK" || status == "HTTP/1.1 503 Service Unavailable",
                "{status}"
            );
            let mut got = Vec::new();
            // EOF or a reset: either way, no answer for the evicted one.
            let _ = idle.read_to_end(&mut got).await;
            assert!(got.is_empty(), "{:?}", String::from_utf8_lossy(&got));

            // The slot is free again.
            let (status, _, _) = parse(&exchange(addr, b"GET /metrics HTTP/1.1\r\n\r\n").await);
            assert_eq!(status, "HTTP/1.1 200 OK");
        })
        .await;
}
