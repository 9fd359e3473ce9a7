//! Push senders: APNs (HTTP/2, token auth with an ES256 JWT from a .p8 key), FCM HTTP v1 (OAuth 2
//! access token from a service account's RS256 JWT grant) and UnifiedPush (a plain POST to the
//! endpoint the phone registered). Every endpoint is configurable, so tests point them at local
//! servers; docs/alerts-protocol.md §10 says what each push carries.

use crate::proto::{MailboxId, b64u};
use crate::store::{PushJob, PushResult};
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, RsaKeyPair};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// The largest provider payload, bytes (APNs, FCM and UnifiedPush all cap at 4 KB).
pub const MAX_PAYLOAD: usize = 4096;

/// A device's push target as registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "lowercase")]
pub enum Target {
    /// Apple Push Notification service.
    Apns {
        /// The device token, hex.
        token: String,
        /// The app's bundle id (`apns-topic`).
        topic: String,
        /// `production` or `sandbox`.
        #[serde(default = "production")]
        environment: String,
    },
    /// Firebase Cloud Messaging, HTTP v1.
    Fcm {
        /// The registration token.
        token: String,
    },
    /// UnifiedPush: the distributor's endpoint URL.
    Unifiedpush {
        /// The endpoint.
        endpoint: String,
    },
}

fn production() -> String {
    "production".into()
}

impl Target {
    /// The provider's name.
    #[must_use]
    pub fn provider(&self) -> &'static str {
        match self {
            Self::Apns { .. } => "apns",
            Self::Fcm { .. } => "fcm",
            Self::Unifiedpush { .. } => "unifiedpush",
        }
    }

    /// Checks the fields; the error says what is wrong.
    pub fn validate(&self, allow_http: bool) -> Result<(), String> {
        match self {
            Self::Apns {
                token,
                topic,
                environment,
            } => {
                if !(32..=200).contains(&token.len())
                    || !token.bytes().all(|b| b.is_ascii_hexdigit())
                {
                    return Err("an APNs token is 32 to 200 hex digits".into());
                }
                if topic.is_empty()
                    || topic.len() > 255
                    || !topic.bytes().all(|b| b.is_ascii_graphic())
                {
                    return Err("topic is the app's bundle id".into());
                }
                if environment != "production" && environment != "sandbox" {
                    return Err("environment is production or sandbox".into());
                }
            }
            Self::Fcm { token } => {
                if token.is_empty()
                    || token.len() > 4096
                    || !token.bytes().all(|b| b.is_ascii_graphic())
                {
                    return Err("an FCM token is 1 to 4096 printable characters".into());
                }
            }
            Self::Unifiedpush { endpoint } => {
                let ok_scheme = endpoint.starts_with("https://")
                    || (allow_http && endpoint.starts_with("http://"));
                if !ok_scheme || endpoint.len() > 2048 || reqwest::Url::parse(endpoint).is_err() {
                    return Err(
                        "a UnifiedPush endpoint is an https:// URL of at most 2048 characters"
                            .into(),
                    );
                }
            }
        }
        Ok(())
    }
}

/// APNs settings.
#[derive(Debug, Clone)]
pub struct ApnsConfig {
    /// The .p8 signing key (PKCS#8 PEM).
    pub key_path: PathBuf,
    /// Its key id (`kid`).
    pub key_id: String,
    /// The team id (`iss`).
    pub team_id: String,
    /// Production base URL (default `https://api.push.apple.com`).
    pub endpoint: String,
    /// Sandbox base URL (default `https://api.sandbox.push.apple.com`).
    pub sandbox_endpoint: String,
}

/// FCM settings.
#[derive(Debug, Clone)]
pub struct FcmConfig {
    /// The service account JSON file.
    pub service_account_path: PathBuf,
    /// Base URL of the v1 API (default `https://fcm.googleapis.com`).
    pub endpoint: String,
    /// OAuth token URL; default: the service account's `token_uri`.
    pub token_uri: Option<String>,
}

/// Push settings.
#[derive(Debug, Clone, Default)]
pub struct PushConfig {
    /// APNs, if configured.
    pub apns: Option<ApnsConfig>,
    /// FCM, if configured.
    pub fcm: Option<FcmConfig>,
    /// Extra root certificate (PEM) trusted for push endpoints (a test CA).
    pub extra_root_pem: Option<PathBuf>,
    /// Accept `http://` UnifiedPush endpoints (tests only).
    pub unifiedpush_allow_http: bool,
}

/// Why the push senders could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum PushSetupError {
    /// A file could not be read.
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    /// A key could not be used.
    #[error("{0}")]
    Key(String),
    /// The HTTP client could not be built.
    #[error("http client: {0}")]
    Client(#[from] reqwest::Error),
}

#[derive(Deserialize)]
struct ServiceAccount {
    project_id: String,
    private_key_id: Option<String>,
    private_key: String,
    client_email: String,
    token_uri: String,
}

struct Apns {
    cfg: ApnsConfig,
    key: EcdsaKeyPair,
    jwt: Mutex<Option<(String, i64)>>,
}

struct Fcm {
    endpoint: String,
    token_uri: String,
    project_id: String,
    client_email: String,
    key_id: Option<String>,
    key: RsaKeyPair,
    token: Mutex<Option<(String, i64)>>,
}

/// Sends pushes.
pub struct Pusher {
    http: reqwest::Client,
    apns: Option<Apns>,
    fcm: Option<Fcm>,
    rng: SystemRandom,
}

/// Decodes the first PEM block's base64 body.
fn pem_der(pem: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let body: String = pem
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

impl Pusher {
    /// Builds the senders from the configuration.
    pub fn new(cfg: &PushConfig) -> Result<Self, PushSetupError> {
        let read = |p: &PathBuf| {
            std::fs::read_to_string(p).map_err(|e| PushSetupError::Read(p.clone(), e))
        };
        let rng = SystemRandom::new();
        let mut builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .pool_idle_timeout(Duration::from_secs(600));
        if let Some(p) = &cfg.extra_root_pem {
            let pem = read(p)?;
            builder = builder.add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes())?);
        }
        let apns = match &cfg.apns {
            None => None,
            Some(a) => {
                let der = pem_der(&read(&a.key_path)?)
                    .ok_or_else(|| PushSetupError::Key("the APNs key is not PEM".into()))?;
                let key = EcdsaKeyPair::from_pkcs8(
                    &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                    &der,
                    &rng,
                )
                .map_err(|e| {
                    PushSetupError::Key(format!("the APNs key is not a P-256 PKCS#8 key: {e}"))
                })?;
                Some(Apns {
                    cfg: a.clone(),
                    key,
                    jwt: Mutex::new(None),
                })
            }
        };
        let fcm = match &cfg.fcm {
            None => None,
            Some(f) => {
                let sa: ServiceAccount = serde_json::from_str(&read(&f.service_account_path)?)
                    .map_err(|e| PushSetupError::Key(format!("service account JSON: {e}")))?;
                let der = pem_der(&sa.private_key)
                    .ok_or_else(|| PushSetupError::Key("private_key is not PEM".into()))?;
                let key = RsaKeyPair::from_pkcs8(&der).map_err(|e| {
                    PushSetupError::Key(format!("private_key is not an RSA PKCS#8 key: {e}"))
                })?;
                Some(Fcm {
                    endpoint: f.endpoint.clone(),
                    token_uri: f.token_uri.clone().unwrap_or(sa.token_uri),
                    project_id: sa.project_id,
                    client_email: sa.client_email,
                    key_id: sa.private_key_id,
                    key,
                    token: Mutex::new(None),
                })
            }
        };
        Ok(Self {
            http: builder.build()?,
            apns,
            fcm,
            rng,
        })
    }

    /// Sends one push job; says what to do with the job.
    pub async fn send(&self, job: &PushJob, now: i64) -> (PushResult, bool) {
        let retry = PushResult::RetryAt(now + backoff_s(job.attempts));
        let give_up = job.attempts >= 8;
        let target: Target = match serde_json::from_str(&job.target) {
            Ok(t) => t,
            Err(_) => return (PushResult::TargetGone, false),
        };
        let outcome = match &target {
            Target::Apns {
                token,
                topic,
                environment,
            } => self.send_apns(job, token, topic, environment, now).await,
            Target::Fcm { token } => self.send_fcm(job, token, now).await,
            Target::Unifiedpush { endpoint } => self.send_unifiedpush(job, endpoint).await,
        };
        match outcome {
            Outcome::Sent => (PushResult::Done, true),
            Outcome::Gone => (PushResult::TargetGone, false),
            Outcome::Retry if !give_up => (retry, false),
            Outcome::Retry | Outcome::Drop => (PushResult::Done, false),
        }
    }

    async fn send_apns(
        &self,
        job: &PushJob,
        token: &str,
        topic: &str,
        env: &str,
        now: i64,
    ) -> Outcome {
        let Some(apns) = &self.apns else {
            tracing::warn!("an APNs target is registered but APNs is not configured");
            return Outcome::Drop;
        };
        let Some(jwt) = apns.jwt(now, &self.rng) else {
            return Outcome::Drop;
        };
        let base = if env == "sandbox" {
            &apns.cfg.sandbox_endpoint
        } else {
            &apns.cfg.endpoint
        };
        let body = apns_body(job);
        let resp = self
            .http
            .post(format!("{}/3/device/{token}", base.trim_end_matches('/')))
            .header("authorization", format!("bearer {jwt}"))
            .header("apns-topic", topic)
            .header("apns-push-type", "alert")
            .header("apns-priority", "10")
            .header("apns-expiration", (now + 86_400).to_string())
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await;
        match resp {
            Ok(r) if r.status().is_success() => Outcome::Sent,
            Ok(r) => {
                let status = r.status().as_u16();
                let reason = r.text().await.unwrap_or_default();
                tracing::warn!(status, reason = %reason, "APNs refused a push");
                match status {
                    410 => Outcome::Gone,
                    400 if reason.contains("BadDeviceToken") => Outcome::Gone,
                    403 => {
                        // ExpiredProviderToken or InvalidProviderToken: make a new JWT next time.
                        *apns
                            .jwt
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
                        Outcome::Retry
                    }
                    429 | 500..=599 => Outcome::Retry,
                    _ => Outcome::Drop,
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "APNs unreachable");
                Outcome::Retry
            }
        }
    }

    async fn send_fcm(&self, job: &PushJob, token: &str, now: i64) -> Outcome {
        let Some(fcm) = &self.fcm else {
            tracing::warn!("an FCM target is registered but FCM is not configured");
            return Outcome::Drop;
        };
        let Some(access) = self.fcm_token(fcm, now).await else {
            return Outcome::Retry;
        };
        let body = fcm_body(job, token);
        let url = format!(
            "{}/v1/projects/{}/messages:send",
            fcm.endpoint.trim_end_matches('/'),
            fcm.project_id
        );
        match self
            .http
            .post(url)
            .bearer_auth(access)
            .json(&body)
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => Outcome::Sent,
            Ok(r) => {
                let status = r.status().as_u16();
                tracing::warn!(status, "FCM refused a push");
                match status {
                    404 => Outcome::Gone,
                    401 => {
                        *fcm.token
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
                        Outcome::Retry
                    }
                    429 | 500..=599 => Outcome::Retry,
                    _ => Outcome::Drop,
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "FCM unreachable");
                Outcome::Retry
            }
        }
    }

    async fn fcm_token(&self, fcm: &Fcm, now: i64) -> Option<String> {
        let cached = fcm
            .token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if let Some((t, exp)) = cached
            && exp > now + 60
        {
            return Some(t);
        }
        let mut header = json!({"alg": "RS256", "typ": "JWT"});
        if let Some(kid) = &fcm.key_id {
            header["kid"] = json!(kid);
        }
        let claims = json!({
            "iss": fcm.client_email,
            "scope": "https://www.googleapis.com/auth/firebase.messaging",
            "aud": fcm.token_uri,
            "iat": now,
            "exp": now + 3600,
        });
        let signing_input = format!(
            "{}.{}",
            b64u(header.to_string().as_bytes()),
            b64u(claims.to_string().as_bytes())
        );
        let mut sig = vec![0u8; fcm.key.public().modulus_len()];
        fcm.key
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &self.rng,
                signing_input.as_bytes(),
                &mut sig,
            )
            .ok()?;
        let assertion = format!("{signing_input}.{}", b64u(&sig));
        let form = format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={assertion}"
        );
        let resp = self
            .http
            .post(&fcm.token_uri)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .map_err(|e| tracing::warn!(error = %e, "OAuth token endpoint unreachable"))
            .ok()?;
        if !resp.status().is_success() {
            tracing::warn!(
                status = resp.status().as_u16(),
                "OAuth token endpoint refused the service account"
            );
            return None;
        }
        let v: Value = resp.json().await.ok()?;
        let token = v.get("access_token")?.as_str()?.to_owned();
        let expires_in = v.get("expires_in").and_then(Value::as_i64).unwrap_or(3600);
        *fcm.token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((token.clone(), now + expires_in));
        Some(token)
    }

    async fn send_unifiedpush(&self, job: &PushJob, endpoint: &str) -> Outcome {
        let body = thecal_object(job, MAX_PAYLOAD).to_string();
        let resp = self
            .http
            .post(endpoint)
            .header("content-type", "application/json")
            .header("ttl", "86400")
            .header("urgency", "high")
            .body(body)
            .send()
            .await;
        match resp {
            Ok(r) if r.status().is_success() => Outcome::Sent,
            Ok(r) => match r.status().as_u16() {
                404 | 410 => Outcome::Gone,
                429 | 500..=599 => Outcome::Retry,
                _ => Outcome::Drop,
            },
            Err(e) => {
                tracing::warn!(error = %e, "UnifiedPush endpoint unreachable");
                Outcome::Retry
            }
        }
    }
}

enum Outcome {
    Sent,
    Gone,
    Retry,
    Drop,
}

fn backoff_s(attempts: i64) -> i64 {
    (5_i64 << attempts.clamp(0, 8)).min(3600)
}

impl Apns {
    /// The provider JWT, renewed every 50 minutes (Apple refuses ones older than an hour and
    /// ones renewed more often than every 20 minutes).
    fn jwt(&self, now: i64, rng: &SystemRandom) -> Option<String> {
        let mut cached = self
            .jwt
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((t, iat)) = cached.as_ref()
            && now - iat < 3000
        {
            return Some(t.clone());
        }
        let header = json!({"alg": "ES256", "kid": self.cfg.key_id});
        let claims = json!({"iss": self.cfg.team_id, "iat": now});
        let input = format!(
            "{}.{}",
            b64u(header.to_string().as_bytes()),
            b64u(claims.to_string().as_bytes())
        );
        let sig = self.key.sign(rng, input.as_bytes()).ok()?;
        let jwt = format!("{input}.{}", b64u(sig.as_ref()));
        *cached = Some((jwt.clone(), now));
        Some(jwt)
    }
}

/// The `thecal` object: the envelope inline if the whole payload stays under `budget` bytes,
/// else content-free.
fn thecal_object(job: &PushJob, budget: usize) -> Value {
    let mbx = job.mailbox.to_string();
    if let Some(n) = &job.notice {
        return json!({"v": 1, "mbx": mbx, "notice": n});
    }
    let free = json!({"v": 1, "mbx": mbx});
    match &job.envelope {
        Some(e) => {
            let with = json!({"v": 1, "mbx": mbx, "env": b64u(e)});
            if with.to_string().len() <= budget {
                with
            } else {
                free
            }
        }
        None => free,
    }
}

/// The APNs body (at most 4096 bytes).
#[must_use]
pub fn apns_body(job: &PushJob) -> String {
    let aps = json!({"alert": {"title": "Thecal", "body": "New message"}, "mutable-content": 1, "sound": "default"});
    let overhead = json!({"aps": aps, "thecal": {}}).to_string().len();
    json!({"aps": aps, "thecal": thecal_object(job, MAX_PAYLOAD - overhead)}).to_string()
}

/// The FCM v1 body (its message at most 4096 bytes).
#[must_use]
pub fn fcm_body(job: &PushJob, token: &str) -> Value {
    let t = thecal_object(job, MAX_PAYLOAD - 64);
    let mut data = serde_json::Map::new();
    if let Value::Object(m) = t {
        for (k, v) in m {
            data.insert(
                k,
                Value::String(v.as_str().map_or_else(|| v.to_string(), str::to_owned)),
            );
        }
    }
    json!({"message": {"token": token, "data": data, "android": {"priority": "HIGH", "ttl": "86400s"}}})
}

/// A content-free payload for a mailbox (tests, docs).
#[must_use]
pub fn content_free(mbx: MailboxId) -> Value {
    json!({"v": 1, "mbx": mbx.to_string()})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(len: usize) -> PushJob {
        PushJob {
            job_id: 1,
            mailbox: MailboxId([1; 16]),
            target: String::new(),
            envelope: Some(vec![7; len]),
            notice: None,
            attempts: 0,
        }
    }

    #[test]
    fn small_envelopes_ride_inline_and_large_ones_go_content_free() {
        let small = apns_body(&job(342));
        assert!(small.contains("\"env\""));
        assert!(small.len() <= MAX_PAYLOAD);
        let big = apns_body(&job(3000));
        assert!(
            !big.contains("\"env\""),
            "a 3000-byte envelope is 4000 base64 characters"
        );
        assert!(big.len() <= MAX_PAYLOAD);
        let fcm = fcm_body(&job(2900), "tok").to_string();
        assert!(fcm.len() <= MAX_PAYLOAD + 200);
    }

    #[test]
    fn targets_are_checked() {
        let apns = Target::Apns {
            token: "ab".repeat(32),
            topic: "org.thecal.app".into(),
            environment: "production".into(),
        };
        assert!(apns.validate(false).is_ok());
        let bad = Target::Apns {
            token: "zz".repeat(32),
            topic: "x".into(),
            environment: "production".into(),
        };
        assert!(bad.validate(false).is_err());
        let up = Target::Unifiedpush {
            endpoint: "http://127.0.0.1:1/x".into(),
        };
        assert!(up.validate(false).is_err());
        assert!(up.validate(true).is_ok());
        let t: Target =
            serde_json::from_str(r#"{"provider":"apns","token":"00","topic":"t"}"#).unwrap();
        assert!(matches!(t, Target::Apns { ref environment, .. } if environment == "production"));
    }
}
