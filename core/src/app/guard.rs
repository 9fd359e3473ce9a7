//! Nothing panics across the FFI boundary: every exported call runs inside a guard that turns a
//! panic into the area's `Internal` error (UniFFI would otherwise raise an untyped error).

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::errors::PublicError;

/// Runs `f`; a panic inside becomes `E::internal(context)` and is logged (without data).
pub(crate) fn guard<T, E: PublicError>(
    context: &str,
    f: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        tracing::error!(context, "panic caught at the API boundary");
        Err(E::internal(context))
    })
}

/// Runs blocking `f` on the core's runtime and awaits it from any executor (Kotlin coroutines,
/// Swift tasks); a panic inside becomes `E::internal(context)`.
pub(crate) async fn guard_blocking<T, E>(
    rt: &tokio::runtime::Handle,
    context: &'static str,
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, E>
where
    T: Send + 'static,
    E: PublicError + Send + 'static,
{
    match rt.spawn_blocking(move || guard(context, f)).await {
        Ok(r) => r,
        Err(_) => Err(E::internal(context)),
    }
}

/// Runs the future `f` on the core's runtime (where the link's I/O lives) and awaits it from any
/// executor; a panic inside becomes `E::internal(context)`, and `f`'s error is mapped to `E`.
pub(crate) async fn guard_async<T, I, E>(
    rt: &tokio::runtime::Handle,
    context: &'static str,
    f: impl std::future::Future<Output = Result<T, I>> + Send + 'static,
) -> Result<T, E>
where
    T: Send + 'static,
    I: Send + 'static,
    E: PublicError + From<I>,
{
    match rt.spawn(f).await {
        Ok(r) => r.map_err(E::from),
        Err(_) => {
            tracing::error!(context, "panic caught at the API boundary");
            Err(E::internal(context))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::DiaryError;

    #[test]
    fn a_panic_becomes_an_internal_error() {
        let r: Result<(), DiaryError> = guard("test call", || panic!("boom"));
        assert_eq!(
            r,
            Err(DiaryError::Internal {
                context: "test call".into()
            })
        );
        let ok: Result<u8, DiaryError> = guard("test call", || Ok(7));
        assert_eq!(ok, Ok(7));
    }

    #[test]
    fn a_panic_on_the_runtime_becomes_an_internal_error() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let r: Result<(), DiaryError> =
            rt.block_on(guard_blocking(rt.handle(), "async call", || panic!("boom")));
        assert_eq!(
            r,
            Err(DiaryError::Internal {
                context: "async call".into()
            })
        );
    }
}
