//! HTTP as the apps provide it: the core carries no HTTP or TLS stack. Each app implements
//! [`HttpClient`] with its own networking (OkHttp or `HttpURLConnection` on Android, `URLSession`
//! on iOS, with background sessions where the platform offers them); the CLI and the tests use a
//! Rust implementation. In the manner of application-services' viaduct.

/// One header.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HttpHeader {
    /// Its name (any case).
    pub name: String,
    /// Its value.
    pub value: String,
}

/// A request for the app's HTTP stack to send.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HttpRequest {
    /// `GET`, `PUT`, `POST` or `DELETE`.
    pub method: String,
    /// The whole URL (`https://relay.example.org/v1/...`). Send the path and query exactly as
    /// given: they are signed.
    pub url: String,
    /// Headers to send, besides the ones the stack adds itself.
    pub headers: Vec<HttpHeader>,
    /// The body (empty for none).
    pub body: Vec<u8>,
    /// How long to wait for the whole answer, milliseconds.
    pub timeout_ms: u32,
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The headers (the core reads `Date` and `Retry-After`).
    pub headers: Vec<HttpHeader>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header called `name` (any case).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }
}

/// Why no answer came.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
#[cfg_attr(feature = "uniffi", uniffi::export(Display))]
#[non_exhaustive]
pub enum HttpError {
    /// No network, the host cannot be reached, or the connection broke.
    #[error(
        "The relay cannot be reached ({reason}). Thecal will try again when the phone is online."
    )]
    Offline {
        /// The platform's reason.
        reason: String,
    },
    /// No answer in time.
    #[error("The relay did not answer in time. Thecal will try again.")]
    Timeout,
    /// The secure connection failed (a wrong certificate, a captive portal).
    #[error(
        "The secure connection to the relay failed ({reason}). Check the network, or the relay's address."
    )]
    Tls {
        /// The platform's reason.
        reason: String,
    },
    /// The app's HTTP implementation failed in another way.
    #[error("The phone's network layer failed ({reason}). Thecal will try again.")]
    Platform {
        /// What the platform said.
        reason: String,
    },
}

#[cfg(feature = "uniffi")]
impl From<uniffi::UnexpectedUniFFICallbackError> for HttpError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Platform { reason: e.reason }
    }
}

/// The app's HTTP stack. A callback interface: the apps implement it (nothing hands them a Rust
/// one).
#[cfg_attr(feature = "uniffi", uniffi::export(callback_interface))]
#[async_trait::async_trait]
pub trait HttpClient: Send + Sync + std::fmt::Debug {
    /// Sends `request` and returns the answer, whatever its status.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError>;
}
