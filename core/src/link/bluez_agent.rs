//! Pairing over BlueZ for [`super::BtleplugTransport`]: btleplug has no pairing call, so the
//! transport registers its own pairing agent (`org.bluez.Agent1` through `AgentManager1`) on
//! the system bus and calls `Device1.Pair`. BlueZ asks the agent for the passkey (authenticated
//! pairing, "KeyboardOnly"); the agent answers with the one the app was given (the pump's
//! pairing code), or refuses when it has none. Numeric comparison is confirmed only when the
//! number shown is that same code.

use std::ffi::CString;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use dbus::channel::{MatchingReceiver, Sender};
use dbus::message::MatchRule;
use dbus::nonblock::stdintf::org_freedesktop_dbus::Properties;
use dbus::nonblock::{Proxy, SyncConnection};
use dbus::strings::ErrorName;
use dbus::{Message, Path};

use super::TransportError;

const AGENT_PATH: &str = "/org/thecal/pairing_agent";
const BLUEZ: &str = "org.bluez";
/// BlueZ's own pairing timeout is about 30 s; ours is a little longer.
const PAIR_TIMEOUT: Duration = Duration::from_secs(40);

/// The registered agent and its bus connection.
pub(super) struct Agent {
    conn: Arc<SyncConnection>,
    io: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent").finish_non_exhaustive()
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.io.abort();
    }
}

fn platform(e: &dbus::Error) -> TransportError {
    let name = e.name().unwrap_or_default();
    let reason = format!("{name}: {}", e.message().unwrap_or_default());
    if name.ends_with("AuthenticationFailed")
        || name.ends_with("AuthenticationRejected")
        || name.ends_with("AuthenticationCanceled")
        || name.ends_with("AuthenticationTimeout")
        || name.ends_with(".Rejected")
    {
        TransportError::PairingRefused
    } else if name.ends_with("NotReady") {
        TransportError::BluetoothUnavailable { reason }
    } else if name.ends_with("AccessDenied") {
        TransportError::PermissionDenied
    } else if name.ends_with("DoesNotExist") || name.ends_with("UnknownObject") {
        TransportError::DeviceNotFound
    } else {
        TransportError::Platform { reason }
    }
}

impl Agent {
    /// Connects to the system bus and registers the agent as BlueZ's default.
    pub(super) async fn register(passkey: Arc<Mutex<Option<u32>>>) -> Result<Self, TransportError> {
        let (resource, conn) = dbus_tokio::connection::new_system_sync().map_err(|e| {
            TransportError::BluetoothUnavailable {
                reason: e.to_string(),
            }
        })?;
        let io = tokio::spawn(async move {
            let err = resource.await;
            tracing::info!(error = %err, "the pairing agent's bus connection ended");
        });
        conn.start_receive(
            MatchRule::new_method_call(),
            Box::new(move |msg, conn| {
                if msg.path().as_deref() == Some(AGENT_PATH) {
                    let code = *passkey.lock().unwrap_or_else(PoisonError::into_inner);
                    let _ = conn.send(answer(&msg, code));
                }
                true
            }),
        );
        let manager = Proxy::new(BLUEZ, "/org/bluez", Duration::from_secs(5), conn.clone());
        let path = Path::from(AGENT_PATH);
        let agent = Self { conn, io };
        manager
            .method_call::<(), _, _, _>(
                "org.bluez.AgentManager1",
                "RegisterAgent",
                (path.clone(), "KeyboardOnly"),
            )
            .await
            .or_else(|e| {
                // Registered before on this connection: fine.
                if e.name() == Some("org.bluez.Error.AlreadyExists") {
                    Ok(())
                } else {
                    Err(platform(&e))
                }
            })?;
        manager
            .method_call::<(), _, _, _>("org.bluez.AgentManager1", "RequestDefaultAgent", (path,))
            .await
            .map_err(|e| platform(&e))?;
        Ok(agent)
    }

    /// Pairs (bonds) with the device at the BlueZ object path `device`; `true` once paired.
    pub(super) async fn pair(&self, device: &str) -> Result<bool, TransportError> {
        let proxy = Proxy::new(BLUEZ, device, PAIR_TIMEOUT, self.conn.clone());
        let paired: bool = proxy
            .get("org.bluez.Device1", "Paired")
            .await
            .map_err(|e| platform(&e))?;
        if paired {
            return Ok(true);
        }
        match proxy
            .method_call::<(), _, _, _>("org.bluez.Device1", "Pair", ())
            .await
        {
            Ok(()) => Ok(true),
            Err(e) if e.name() == Some("org.bluez.Error.AlreadyExists") => Ok(true),
            Err(e) => Err(platform(&e)),
        }
    }
}

/// The agent's answer to one call from BlueZ.
fn answer(msg: &Message, passkey: Option<u32>) -> Message {
    let refuse = |why: &str| {
        let name = ErrorName::from("org.bluez.Error.Rejected");
        let text = CString::new(why).unwrap_or_default();
        msg.error(&name, &text)
    };
    if msg.interface().as_deref() != Some("org.bluez.Agent1") {
        let name = ErrorName::from("org.freedesktop.DBus.Error.UnknownMethod");
        let text = CString::new("not an agent call").unwrap_or_default();
        return msg.error(&name, &text);
    }
    match msg.member().as_deref() {
        Some("RequestPasskey") => match passkey {
            Some(code) => msg.method_return().append1(code),
            None => refuse("no pairing code was given"),
        },
        Some("RequestConfirmation") => match (msg.read2::<Path<'_>, u32>(), passkey) {
            (Ok((_, shown)), Some(code)) if shown == code => msg.method_return(),
            _ => refuse("the code shown is not the pump's pairing code"),
        },
        // Legacy PIN codes and unsolicited (just-works) authorisations are not authenticated.
        Some("RequestPinCode" | "RequestAuthorization") => refuse("authenticated pairing only"),
        // DisplayPasskey, DisplayPinCode, AuthorizeService, Release, Cancel.
        _ => msg.method_return(),
    }
}
