//! Panics of the model caught as results ([`crate::world::Ghost::model_panic`]).
//!
//! A panic inside a model step is a bug in mvsim's model or in an edit to it (an `expect`
//! that no longer holds, a deleted `match` arm reaching `unreachable!`, an index out of
//! range). Caught, it becomes a state of the search, so the checker reports it with the
//! trace that reaches it (as TLC reports an evaluation error with its behaviour) instead of
//! ending the search without one. The default panic message is suppressed while a step
//! runs (a search can reach the failing step from many states); its text and location are
//! kept in the state instead.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// How many [`catching`] calls are running on this thread.
    static CATCHING: Cell<u32> = const { Cell::new(0) };
    /// The message and location of the last panic raised inside [`catching`].
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Installs (once per process) a panic hook that records, instead of printing, a panic
/// raised inside [`catching`]; every other panic goes to the hook that was installed before.
fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CATCHING.with(Cell::get) == 0 {
                previous(info);
                return;
            }
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|text| (*text).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_string());
            let located = match info.location() {
                Some(location) => format!(
                    "{message} (at {}:{}:{})",
                    location.file(),
                    location.line(),
                    location.column()
                ),
                None => message,
            };
            LAST.with(|last| *last.borrow_mut() = Some(located));
        }));
    });
}

/// Runs `f`; a panic inside it is returned as its message and location.
pub fn catching<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    install_hook();
    CATCHING.with(|depth| depth.set(depth.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|depth| depth.set(depth.get() - 1));
    result.map_err(|_| {
        LAST.with(|last| last.borrow_mut().take())
            .unwrap_or_else(|| "a panic without a message".to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::catching;

    #[test]
    fn a_panic_inside_is_its_message_and_location_and_a_value_passes_through() {
        assert_eq!(catching(|| 7), Ok(7));
        let message = catching(|| -> u8 { panic!("model bug {}", 42) }).expect_err("caught");
        assert!(message.starts_with("model bug 42 (at "), "{message}");
        assert!(message.contains("panics.rs:"), "{message}");
        let segments: Vec<u8> = Vec::new();
        let message =
            catching(|| segments.first().copied().expect("a segment")).expect_err("caught");
        assert!(message.starts_with("a segment (at "), "{message}");
        // Nested: the inner panic is the inner call's, and the outer call still catches.
        let outer = catching(|| catching(|| -> u8 { unreachable!("inner") }));
        assert!(outer
            .expect("outer completes")
            .expect_err("inner")
            .contains("inner"));
    }
}
