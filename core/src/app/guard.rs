//! Nothing panics across the FFI boundary: every exported call runs inside a guard that turns a
//! panic into the area's `Internal` error (UniFFI would otherwise raise an untyped error).

use std::any::Any;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

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

/// What a call on the core's runtime gives back, its type erased (see [`Call`]).
type Output = Box<dyn Any + Send>;

/// A guarded call running on the core's runtime, awaited from any executor (Kotlin coroutines,
/// Swift tasks). Every call of the API is this one kind of task (tokio's task machinery is
/// generic over the task, and one copy of it per call cost the phone library ~150 KB) and a
/// plain future around it: only taking the result out is generic, not a chain of `async fn`
/// state machines per call (decision 0006).
#[must_use = "a call's result is known only by awaiting it"]
pub(crate) struct Call<T, E> {
    task: tokio::task::JoinHandle<Output>,
    context: &'static str,
    result: PhantomData<fn() -> Result<T, E>>,
}

impl<T: 'static, E: PublicError + 'static> Future for Call<T, E> {
    type Output = Result<T, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, E>> {
        let context = self.context;
        Pin::new(&mut self.task).poll(cx).map(|out| {
            match out.map(|o| o.downcast::<Result<T, E>>()) {
                Ok(Ok(result)) => *result,
                // A panic outside the guard, or the runtime stopped.
                _ => {
                    tracing::error!(context, "a call on the core's runtime did not finish");
                    Err(E::internal(context))
                }
            }
        })
    }
}

/// Runs blocking `f` on the core's runtime's blocking threads; a panic inside becomes
/// `E::internal(context)`.
pub(crate) fn guard_blocking<T, E>(
    rt: &tokio::runtime::Handle,
    context: &'static str,
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Call<T, E>
where
    T: Send + 'static,
    E: PublicError + Send + 'static,
{
    let job: Box<dyn FnOnce() -> Output + Send> = Box::new(move || Box::new(guard(context, f)));
    Call {
        task: rt.spawn_blocking(job),
        context,
        result: PhantomData,
    }
}

/// Runs the future `f` on the core's runtime (where the link's I/O lives); a panic inside
/// becomes `E::internal(context)`, and `f`'s error is mapped to `E`.
pub(crate) fn guard_async<T, I, E>(
    rt: &tokio::runtime::Handle,
    context: &'static str,
    f: impl Future<Output = Result<T, I>> + Send + 'static,
) -> Call<T, E>
where
    T: Send + 'static,
    I: Send + 'static,
    E: PublicError + From<I> + Send + 'static,
{
    let job: Pin<Box<dyn Future<Output = Output> + Send>> =
        Box::pin(async move { Box::new(f.await.map_err(E::from)) as Output });
    Call {
        task: rt.spawn(job),
        context,
        result: PhantomData,
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
