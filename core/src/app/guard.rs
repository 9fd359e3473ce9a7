//! Nothing panics across the FFI boundary: every exported call runs inside a guard that turns a
//! panic into a typed error value (UniFFI would otherwise raise an untyped internal error).

use std::panic::{AssertUnwindSafe, catch_unwind};

/// Errors that can carry "a bug happened here".
pub trait FromPanic {
    /// The error value for a panic in `context`.
    fn from_panic(context: &str) -> Self;
}

impl FromPanic for crate::store::StoreError {
    fn from_panic(context: &str) -> Self {
        Self::Internal {
            context: context.to_owned(),
        }
    }
}

/// Runs `f`; a panic inside becomes `E::from_panic(context)` and is logged (without data).
pub(crate) fn guard<T, E: FromPanic>(
    context: &str,
    f: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        tracing::error!(context, "panic caught at the API boundary");
        Err(E::from_panic(context))
    })
}

/// Runs blocking `f` on the core's runtime and awaits it from any executor (Kotlin coroutines,
/// Swift tasks); a panic inside becomes `E::from_panic(context)`.
pub(crate) async fn guard_blocking<T, E>(
    rt: &tokio::runtime::Handle,
    context: &'static str,
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, E>
where
    T: Send + 'static,
    E: FromPanic + Send + 'static,
{
    match rt.spawn_blocking(move || guard(context, f)).await {
        Ok(r) => r,
        Err(_) => Err(E::from_panic(context)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreError;

    #[test]
    fn a_panic_becomes_an_internal_error() {
        let r: Result<(), StoreError> = guard("test call", || panic!("boom"));
        assert_eq!(
            r,
            Err(StoreError::Internal {
                context: "test call".into()
            })
        );
        let ok: Result<u8, StoreError> = guard("test call", || Ok(7));
        assert_eq!(ok, Ok(7));
    }

    #[test]
    fn a_panic_on_the_runtime_becomes_an_internal_error() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let r: Result<(), StoreError> =
            rt.block_on(guard_blocking(rt.handle(), "async call", || panic!("boom")));
        assert_eq!(
            r,
            Err(StoreError::Internal {
                context: "async call".into()
            })
        );
    }
}
