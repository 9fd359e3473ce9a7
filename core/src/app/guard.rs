//! Nothing panics across the FFI boundary: every exported call runs inside a guard that turns a
//! panic into the area's `Internal` error (UniFFI would otherwise raise an untyped error).

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;

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

/// What a call on the core's runtime gives back, its type erased (see [`spawn_blocking`]).
type Output = Box<dyn Any + Send>;

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
    let job: Box<dyn FnOnce() -> Output + Send> = Box::new(move || Box::new(guard(context, f)));
    match spawn_blocking(rt, job).await.map(|out| out.downcast()) {
        Some(Ok(result)) => *result,
        _ => Err(E::internal(context)),
    }
}

/// Runs the future `f` on the core's runtime (where the link's I/O lives) and awaits it from any
/// executor; a panic inside becomes `E::internal(context)`, and `f`'s error is mapped to `E`.
pub(crate) async fn guard_async<T, I, E>(
    rt: &tokio::runtime::Handle,
    context: &'static str,
    f: impl Future<Output = Result<T, I>> + Send + 'static,
) -> Result<T, E>
where
    T: Send + 'static,
    I: Send + 'static,
    E: PublicError + From<I>,
{
    let job: Pin<Box<dyn Future<Output = Output> + Send>> =
        Box::pin(async move { Box::new(f.await) as Output });
    match spawn(rt, job)
        .await
        .map(|out| out.downcast::<Result<T, I>>())
    {
        Some(Ok(result)) => (*result).map_err(E::from),
        _ => {
            tracing::error!(context, "panic caught at the API boundary");
            Err(E::internal(context))
        }
    }
}

/// Spawns a blocking job, `None` if it panicked or the runtime stopped. Every call of the API
/// goes through this one task type: tokio's task machinery is generic over the task, and one
/// copy of it per call cost the phone library ~150 KB (decision 0006).
async fn spawn_blocking(
    rt: &tokio::runtime::Handle,
    job: Box<dyn FnOnce() -> Output + Send>,
) -> Option<Output> {
    rt.spawn_blocking(job).await.ok()
}

/// Spawns a future, `None` if it panicked or the runtime stopped; one task type for all, as
/// [`spawn_blocking`].
async fn spawn(
    rt: &tokio::runtime::Handle,
    job: Pin<Box<dyn Future<Output = Output> + Send>>,
) -> Option<Output> {
    rt.spawn(job).await.ok()
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
