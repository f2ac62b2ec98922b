//! `https://…` sources: a GET whose body is the address.

use super::answer::{excerpt, parse_answer, MAX_ANSWER};
use super::error::SourceError;
use super::Family;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

/// The client for one family's HTTP sources: the agent's TLS settings, bound to the
/// family's unspecified address so that the connection (and so the answer) is of that
/// family, and no slower than the detection timeout.
pub fn client(family: Family, timeout: Duration) -> Result<reqwest::Client, SourceError> {
    let local = match family {
        Family::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        Family::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    crate::http::client_builder()
        // IP sources carry no credential: an http -> https redirect may be followed.
        .redirect(reqwest::redirect::Policy::limited(3))
        .local_address(local)
        .connect_timeout(timeout.min(crate::http::CONNECT_TIMEOUT))
        .timeout(timeout)
        .build()
        .map_err(|e| SourceError::Http(chain(&e)))
}

/// Ask `url` and read the address from its body.
pub async fn ask(
    client: &reqwest::Client,
    url: &str,
    family: Family,
    timeout: Duration,
) -> Result<IpAddr, SourceError> {
    let failed = |e: reqwest::Error| {
        if e.is_timeout() {
            SourceError::Timeout(timeout)
        } else {
            SourceError::Http(chain(&e))
        }
    };
    let mut resp = client
        .get(url)
        .header(reqwest::header::ACCEPT, "text/plain")
        .send()
        .await
        .map_err(failed)?;
    let status = resp.status();
    let too_long = resp.content_length().is_some_and(|n| n > MAX_ANSWER as u64);
    let mut body = Vec::new();
    if !too_long {
        // One byte more than the limit is enough to tell an oversized answer.
        while let Some(chunk) = resp.chunk().await.map_err(failed)? {
            let room = MAX_ANSWER + 1 - body.len();
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if body.len() > MAX_ANSWER {
                break;
            }
        }
    }
    if !status.is_success() {
        return Err(SourceError::HttpStatus {
            status: status.as_u16(),
            excerpt: excerpt(&body),
        });
    }
    if too_long {
        return Err(SourceError::TooLarge {
            limit: MAX_ANSWER,
            excerpt: String::new(),
        });
    }
    parse_answer(&body, family)
}

/// A reqwest error with its causes ("error sending request: connection refused"), without
/// the URL, which the caller shows next to it already.
fn chain(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    if let Some(url) = e.url() {
        out = out.replace(&format!(" for url ({url})"), "");
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = mxddns_providers::http::error_text(s);
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
