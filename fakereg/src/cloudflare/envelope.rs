//! Cloudflare's response envelope and error answers (providers-api.md §2.4, §2.5).

use serde_json::{json, Value};

use crate::http::HttpResponse;

/// A failed call: HTTP status and the `errors` array.
#[derive(Debug)]
pub(crate) struct CfError {
    status: u16,
    errors: Vec<Value>,
    retry_after: Option<u64>,
}

impl CfError {
    pub fn new(status: u16, code: u32, message: &str) -> Self {
        CfError {
            status,
            errors: vec![json!({"code": code, "message": message})],
            retry_after: None,
        }
    }

    /// One error with a nested `error_chain`.
    pub fn chained(status: u16, code: u32, message: &str, chain: &[(u32, &str)]) -> Self {
        let chain: Vec<Value> = chain
            .iter()
            .map(|(c, m)| json!({"code": c, "message": m}))
            .collect();
        CfError {
            status,
            errors: vec![json!({"code": code, "message": message, "error_chain": chain})],
            retry_after: None,
        }
    }

    /// A bad or unknown zone/record identifier in `path` (7003 + 7000).
    pub fn no_route_for_id(path: &str) -> Self {
        CfError {
            status: 404,
            errors: vec![
                json!({"code": 7003, "message": format!("Could not route to {path}, perhaps your object identifier is invalid?")}),
                json!({"code": 7000, "message": "No route for that URI"}),
            ],
            retry_after: None,
        }
    }

    /// A path that is not part of the API.
    pub fn no_route() -> Self {
        Self::new(404, 7000, "No route for that URI")
    }

    /// A request body or field the emulator rejects and §2.5 has no code for.
    pub fn validation(detail: &str) -> Self {
        Self::chained(400, 1004, "DNS Validation Error", &[(1004, detail)])
    }

    /// 429 with code 971 and `Retry-After`.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        CfError {
            retry_after: Some(retry_after_secs),
            ..Self::new(
                429,
                971,
                "Please wait and consider throttling your request speed",
            )
        }
    }

    pub fn into_response(self) -> HttpResponse {
        let body = json!({
            "result": null,
            "success": false,
            "errors": self.errors,
            "messages": [],
        });
        let resp = HttpResponse::json(self.status, &body);
        match self.retry_after {
            Some(s) => resp.header("retry-after", &s.to_string()),
            None => resp,
        }
    }
}

/// `{"result": result, "success": true, "errors": [], "messages": []}`.
pub(crate) fn success(result: Value) -> HttpResponse {
    HttpResponse::json(
        200,
        &json!({"result": result, "success": true, "errors": [], "messages": []}),
    )
}

/// One page of a list answer, with `result_info` (`total_pages` is at least 1, as in 2025).
pub(crate) fn success_page(all: Vec<Value>, page: usize, per_page: usize) -> HttpResponse {
    let total = all.len();
    let total_pages = total.div_ceil(per_page).max(1);
    let items: Vec<Value> = all
        .into_iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .collect();
    HttpResponse::json(
        200,
        &json!({
            "result_info": {
                "page": page,
                "per_page": per_page,
                "count": items.len(),
                "total_count": total,
                "total_pages": total_pages,
            },
            "result": items,
            "success": true,
            "errors": [],
            "messages": [],
        }),
    )
}
