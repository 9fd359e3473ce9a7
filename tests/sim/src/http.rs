//! The core's [`HttpClient`] over `reqwest` (rustls): what the CLI and the Rust tests use where
//! the apps use their own platform stacks.

use std::time::Duration;

use thecal_core::alerts::http::{HttpClient, HttpError, HttpHeader, HttpRequest, HttpResponse};

/// An HTTP stack for the core, over `reqwest`.
#[derive(Debug, Clone, Default)]
pub struct ReqwestHttp(reqwest::Client);

impl ReqwestHttp {
    /// A client with the system's trust roots as `rustls` knows them.
    #[must_use]
    pub fn new() -> Self {
        Self(reqwest::Client::new())
    }
}

#[async_trait::async_trait]
impl HttpClient for ReqwestHttp {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|_| {
            HttpError::Platform {
                reason: format!("unknown method {}", request.method),
            }
        })?;
        let mut builder = self
            .0
            .request(method, &request.url)
            .timeout(Duration::from_millis(u64::from(request.timeout_ms)))
            .body(request.body);
        for h in &request.headers {
            builder = builder.header(&h.name, &h.value);
        }
        let response = builder.send().await.map_err(classify)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| HttpHeader {
                name: name.as_str().to_owned(),
                value: String::from_utf8_lossy(value.as_bytes()).into_owned(),
            })
            .collect();
        let body = response.bytes().await.map_err(classify)?.to_vec();
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

fn classify(e: reqwest::Error) -> HttpError {
    if e.is_timeout() {
        HttpError::Timeout
    } else if e.is_connect() || e.is_request() || e.is_body() {
        HttpError::Offline {
            reason: e.to_string(),
        }
    } else {
        HttpError::Platform {
            reason: e.to_string(),
        }
    }
}
