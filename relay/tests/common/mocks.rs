//! Local stand-ins for the push providers, each checking requests as the provider documents them:
//! APNs over TLS (a test CA made with rcgen) and HTTP/2 with an ES256 provider token; FCM's OAuth
//! token endpoint (RS256 JWT grant from the service account) and its HTTP v1 send endpoint; a
//! UnifiedPush endpoint. Every request is recorded; every deviation is recorded as a problem.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Version};
use axum::response::IntoResponse;
use axum::routing::post;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use ring::signature::{self, KeyPair as _};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use thecal_relay::proto::from_b64u;

pub const APNS_KEY_ID: &str = "TESTKEY001";
pub const APNS_TEAM: &str = "TEAM123456";
pub const FCM_EMAIL: &str = "relay@thecal-test.iam.gserviceaccount.com";

/// One request a mock received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

#[derive(Default)]
pub struct Log {
    pub apns: Mutex<Vec<Seen>>,
    pub fcm: Mutex<Vec<Seen>>,
    pub fcm_tokens: Mutex<Vec<String>>,
    pub up: Mutex<Vec<Seen>>,
    pub problems: Mutex<Vec<String>>,
}

impl Log {
    fn problem(&self, p: String) {
        self.problems.lock().expect("lock").push(p);
    }
}

pub struct PushMocks {
    pub log: Arc<Log>,
    pub apns_url: String,
    pub fcm_url: String,
    pub up_url: String,
    pub dir: tempfile::TempDir,
}

impl PushMocks {
    pub fn ca_path(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    pub fn apns_key_path(&self) -> PathBuf {
        self.dir.path().join("apns.p8")
    }

    pub fn service_account() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/fcm-test-service-account.json")
    }

    /// The relay arguments that point every sender at these mocks.
    pub fn relay_args(&self) -> Vec<String> {
        vec![
            "--apns-key".into(),
            self.apns_key_path().display().to_string(),
            "--apns-key-id".into(),
            APNS_KEY_ID.into(),
            "--apns-team-id".into(),
            APNS_TEAM.into(),
            "--apns-endpoint".into(),
            self.apns_url.clone(),
            "--apns-sandbox-endpoint".into(),
            self.apns_url.clone(),
            "--push-root-ca".into(),
            self.ca_path().display().to_string(),
            "--fcm-service-account".into(),
            Self::service_account().display().to_string(),
            "--fcm-endpoint".into(),
            self.fcm_url.clone(),
            "--fcm-token-uri".into(),
            format!("{}/token", self.fcm_url),
        ]
    }

    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = Arc::new(Log::default());

        // APNs provider key (.p8 = PKCS#8 PEM) and its public half for the checks.
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = signature::EcdsaKeyPair::generate_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &rng,
        )
        .expect("p8");
        let kp = signature::EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            pkcs8.as_ref(),
            &rng,
        )
        .expect("p8");
        let apns_pub = kp.public_key().as_ref().to_vec();
        std::fs::write(
            dir.path().join("apns.p8"),
            pem("PRIVATE KEY", pkcs8.as_ref()),
        )
        .expect("write p8");

        // Test CA and the APNs mock's certificate.
        let ca_key = rcgen::KeyPair::generate().expect("key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Thecal test CA");
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).expect("ca");
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).expect("write ca");
        let leaf_key = rcgen::KeyPair::generate().expect("key");
        let leaf =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .expect("params")
                .signed_by(&leaf_key, &ca)
                .expect("leaf");

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
            )
            .expect("tls config");
        tls.alpn_protocols = vec![b"h2".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));

        let apns_app = Router::new()
            .route("/3/device/{token}", post(apns))
            .with_state((Arc::clone(&log), Arc::new(apns_pub)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let apns_url = format!(
            "https://127.0.0.1:{}",
            listener.local_addr().expect("addr").port()
        );
        let log2 = Arc::clone(&log);
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                let app = apns_app.clone();
                let log = Arc::clone(&log2);
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        log.problem("APNs: TLS handshake failed".into());
                        return;
                    };
                    if tls.get_ref().1.alpn_protocol() != Some(b"h2") {
                        log.problem("APNs: the client did not negotiate h2 by ALPN".into());
                    }
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), TowerToHyperService::new(app))
                        .await;
                });
            }
        });

        // FCM (token + send) and UnifiedPush over plain HTTP.
        let sa: Value =
            serde_json::from_str(&std::fs::read_to_string(Self::service_account()).expect("sa"))
                .expect("sa");
        let der = pem_der(sa["private_key"].as_str().expect("key"));
        let rsa = signature::RsaKeyPair::from_pkcs8(&der).expect("rsa");
        let rsa_pub = rsa.public().as_ref().to_vec();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!(
            "http://127.0.0.1:{}",
            listener.local_addr().expect("addr").port()
        );
        let app = Router::new()
            .route("/token", post(fcm_token))
            .route("/v1/projects/{project}/messages:send", post(fcm_send))
            .route("/up/{id}", post(unifiedpush))
            .with_state((
                Arc::clone(&log),
                Arc::new(rsa_pub),
                Arc::new(format!("{base}/token")),
            ));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            log,
            apns_url,
            fcm_url: base.clone(),
            up_url: format!("{base}/up"),
            dir,
        }
    }

    pub fn problems(&self) -> Vec<String> {
        self.log.problems.lock().expect("lock").clone()
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

fn pem_der(pem: &str) -> Vec<u8> {
    use base64::Engine as _;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("pem")
}

/// Checks a compact JWS: header alg/kid, signature; returns the claims.
fn check_jwt(
    jwt: &str,
    alg: &str,
    kid: Option<&str>,
    verify: &dyn Fn(&[u8], &[u8]) -> bool,
) -> Result<Value, String> {
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() != 3 {
        return Err("not a compact JWS".into());
    }
    let header: Value = serde_json::from_slice(&from_b64u(parts[0]).ok_or("header not base64url")?)
        .map_err(|e| e.to_string())?;
    if header["alg"] != alg {
        return Err(format!("alg is {} not {alg}", header["alg"]));
    }
    if let Some(kid) = kid
        && header["kid"] != kid
    {
        return Err("wrong kid".into());
    }
    let sig = from_b64u(parts[2]).ok_or("signature not base64url")?;
    if !verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig) {
        return Err("signature does not verify".into());
    }
    serde_json::from_slice(&from_b64u(parts[1]).ok_or("claims not base64url")?)
        .map_err(|e| e.to_string())
}

type ApnsState = (Arc<Log>, Arc<Vec<u8>>);

async fn apns(
    State((log, key)): State<ApnsState>,
    Path(token): Path<String>,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let mut problems = Vec::new();
    if version != Version::HTTP_2 {
        problems.push(format!("APNs: {version:?}, not HTTP/2"));
    }
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match auth.strip_prefix("bearer ") {
        None => problems.push("APNs: no `authorization: bearer <jwt>`".into()),
        Some(jwt) => {
            let verify = |m: &[u8], s: &[u8]| {
                signature::UnparsedPublicKey::new(
                    &signature::ECDSA_P256_SHA256_FIXED,
                    key.as_slice(),
                )
                .verify(m, s)
                .is_ok()
            };
            match check_jwt(jwt, "ES256", Some(APNS_KEY_ID), &verify) {
                Ok(c) if c["iss"] == APNS_TEAM && c["iat"].is_i64() => {}
                Ok(c) => problems.push(format!("APNs: bad claims {c}")),
                Err(e) => problems.push(format!("APNs: provider token: {e}")),
            }
        }
    }
    for (h, want) in [
        ("apns-push-type", Some("alert")),
        ("apns-priority", Some("10")),
        ("apns-topic", None),
        ("apns-expiration", None),
    ] {
        match (headers.get(h).and_then(|v| v.to_str().ok()), want) {
            (None, _) => problems.push(format!("APNs: missing {h}")),
            (Some(v), Some(w)) if v != w => problems.push(format!("APNs: {h} is {v}")),
            _ => {}
        }
    }
    if body.len() > 4096 {
        problems.push(format!("APNs: payload of {} bytes", body.len()));
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(v)
            if v["aps"]["mutable-content"] == 1
                && v["aps"]["alert"].is_object()
                && v["thecal"]["v"] == 1 => {}
        Ok(v) => problems.push(format!("APNs: body {v}")),
        Err(e) => problems.push(format!("APNs: body is not JSON: {e}")),
    }
    if !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        problems.push("APNs: token not hex".into());
    }
    for p in problems {
        log.problem(p);
    }
    log.apns.lock().expect("lock").push(Seen {
        path: format!("/3/device/{token}"),
        headers,
        body: body.to_vec(),
    });
    if token.starts_with("dead") {
        return (
            StatusCode::GONE,
            axum::Json(json!({"reason": "Unregistered", "timestamp": 0})),
        )
            .into_response();
    }
    (
        StatusCode::OK,
        [("apns-id", "00000000-0000-0000-0000-000000000001")],
    )
        .into_response()
}

type FcmState = (Arc<Log>, Arc<Vec<u8>>, Arc<String>);

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(x) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(x);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn fcm_token(
    State((log, key, token_url)): State<FcmState>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let form: std::collections::HashMap<String, String> = String::from_utf8_lossy(&body)
        .split('&')
        .filter_map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_owned(), percent_decode(v)))
        })
        .collect();
    let mut ok = true;
    if !headers.get("content-type").is_some_and(|v| {
        v.as_bytes()
            .starts_with(b"application/x-www-form-urlencoded")
    }) {
        log.problem("OAuth: not a form post".into());
        ok = false;
    }
    if form.get("grant_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    {
        log.problem(format!("OAuth: grant_type {:?}", form.get("grant_type")));
        ok = false;
    }
    let verify = |m: &[u8], s: &[u8]| {
        signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, key.as_slice())
            .verify(m, s)
            .is_ok()
    };
    match form
        .get("assertion")
        .map(|a| check_jwt(a, "RS256", Some("test-key-1"), &verify))
    {
        Some(Ok(c))
            if c["iss"] == FCM_EMAIL
                && c["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
                && c["aud"] == token_url.as_str()
                && c["exp"].as_i64().unwrap_or(0) - c["iat"].as_i64().unwrap_or(0) <= 3600 => {}
        Some(Ok(c)) => {
            log.problem(format!("OAuth: claims {c}"));
            ok = false;
        }
        Some(Err(e)) => {
            log.problem(format!("OAuth: assertion: {e}"));
            ok = false;
        }
        None => {
            log.problem("OAuth: no assertion".into());
            ok = false;
        }
    }
    if !ok {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    }
    let mut tokens = log.fcm_tokens.lock().expect("lock");
    let t = format!("ya29.test-{}", tokens.len() + 1);
    tokens.push(t.clone());
    axum::Json(json!({"access_token": t, "expires_in": 3599, "token_type": "Bearer"}))
        .into_response()
}

async fn fcm_send(
    State((log, _, _)): State<FcmState>,
    Path(project): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let issued = log
        .fcm_tokens
        .lock()
        .expect("lock")
        .iter()
        .any(|t| auth == format!("Bearer {t}"));
    if !issued {
        log.problem(format!(
            "FCM: bearer token not issued by the token endpoint: {auth}"
        ));
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if project != "thecal-test" {
        log.problem(format!("FCM: project {project}"));
    }
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let m = &v["message"];
    let data_ok = m["data"]
        .as_object()
        .is_some_and(|d| d.values().all(Value::is_string) && d.get("v") == Some(&json!("1")));
    if !m["token"].is_string() || !data_ok || m["android"]["priority"] != "HIGH" {
        log.problem(format!("FCM: body {v}"));
    }
    if m.to_string().len() > 4096 {
        log.problem("FCM: message over 4096 bytes".into());
    }
    let token = m["token"].as_str().unwrap_or("").to_owned();
    log.fcm.lock().expect("lock").push(Seen {
        path: format!("/v1/projects/{project}/messages:send"),
        headers,
        body: body.to_vec(),
    });
    if token.starts_with("dead") {
        return (StatusCode::NOT_FOUND, axum::Json(json!({"error": {"code": 404, "status": "NOT_FOUND", "details": [{"errorCode": "UNREGISTERED"}]}}))).into_response();
    }
    axum::Json(json!({"name": format!("projects/{project}/messages/1")})).into_response()
}

async fn unifiedpush(
    State((log, _, _)): State<FcmState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    if body.len() > 4096 {
        log.problem(format!("UnifiedPush: {} bytes", body.len()));
    }
    if headers.get("ttl").is_none() {
        log.problem("UnifiedPush: no TTL header".into());
    }
    log.up.lock().expect("lock").push(Seen {
        path: format!("/up/{id}"),
        headers,
        body: body.to_vec(),
    });
    if id.starts_with("dead") {
        return StatusCode::GONE;
    }
    StatusCode::CREATED
}
