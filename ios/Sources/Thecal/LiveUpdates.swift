// Live data as AsyncSequences: the pump link's events and the dashboard.
//
// The core delivers live data to a listener (`LinkListener`, `DashboardListener`) on a thread of
// its own and hands back a `Subscription`; while that subscription is not cancelled, the listener
// stays registered. Here each iteration of a sequence owns one subscription: it subscribes when
// iteration starts, and cancels when iteration ends, whichever way it ends (the loop breaks, the
// task is cancelled, the iterator is dropped), so no listener is ever left registered.

/// A live stream of values from the core: the current value first, then every change.
///
/// Each `for try await` loop over it is one subscription of its own, made when the loop asks for
/// its first element and cancelled when the loop ends: by `break` or `return`, by the task being
/// cancelled (the loop then ends without an error, like `AsyncStream`), or by the iterator being
/// dropped. Once the loop has exited, the core no longer holds the listener
/// (`PumpLink.subscriberCount()` and `Thecal.dashboardWatcherCount()` show it).
///
/// It throws only when the subscription cannot be made (the area's error, such as
/// `LinkError.Internal`); once it runs it never ends on its own.
public struct LiveUpdates<Element: Sendable>: AsyncSequence, Sendable {
    /// Registers a listener that yields into the continuation, and returns the core's handle.
    typealias Subscribe = @Sendable (AsyncStream<Element>.Continuation) async throws -> Subscription

    private let backlog: Backlog
    private let subscribe: Subscribe

    init(backlog: Backlog, subscribe: @escaping Subscribe) {
        self.backlog = backlog
        self.subscribe = subscribe
    }

    /// Starts one iteration (the subscription itself is made by the first `next()`).
    public func makeAsyncIterator() -> Iterator {
        Iterator(backlog: backlog, subscribe: subscribe)
    }

    /// One iteration over a ``LiveUpdates``: holds its subscription until the iteration ends.
    public struct Iterator: AsyncIteratorProtocol {
        private let backlog: Backlog
        private let subscribe: Subscribe
        private var events: AsyncStream<Element>.Iterator?
        private var handle: SubscriptionHandle?
        private var finished = false

        init(backlog: Backlog, subscribe: @escaping Subscribe) {
            self.backlog = backlog
            self.subscribe = subscribe
        }

        /// The next value, waiting for it if needed; `nil` once the task is cancelled.
        ///
        /// - Throws: the area's error if the core cannot start delivering.
        public mutating func next() async throws -> Element? {
            if finished { return nil }
            if events == nil {
                do {
                    try await start()
                } catch {
                    finish()
                    throw error
                }
                // Swift does not cancel a call into the core: a task cancelled while subscribing
                // gets its subscription, and gives it back here.
                if Task.isCancelled {
                    finish()
                    return nil
                }
            }
            if let element = await events!.next() { return element }
            finish()
            return nil
        }

        private mutating func start() async throws {
            let policy: AsyncStream<Element>.Continuation.BufferingPolicy = switch backlog {
            case .everything: .unbounded
            case .newestOnly: .bufferingNewest(1)
            }
            let (stream, continuation) = AsyncStream.makeStream(of: Element.self, bufferingPolicy: policy)
            let handle = SubscriptionHandle(try await subscribe(continuation))
            // Called when the stream ends: the task was cancelled while waiting (at once, from
            // `Task.cancel()`), or the iterator was dropped. Weak, so that the handle is not kept
            // alive by the listener the core holds.
            continuation.onTermination = { [weak handle] _ in handle?.cancel() }
            self.handle = handle
            events = stream.makeAsyncIterator()
        }

        private mutating func finish() {
            finished = true
            handle?.cancel()
            handle = nil
            events = nil
        }
    }
}

/// What a stream keeps of the values its loop has not taken yet.
enum Backlog: Sendable {
    /// Every value, in order (events: none may be lost).
    case everything
    /// The newest value only (states that replace each other, such as the dashboard).
    case newestOnly
}

/// Owns a core subscription and cancels it, at the latest when released.
final class SubscriptionHandle: Sendable {
    private let subscription: Subscription

    init(_ subscription: Subscription) { self.subscription = subscription }

    /// Releases the listener now (cancelling twice is harmless).
    func cancel() { subscription.cancel() }

    deinit { subscription.cancel() }
}

/// Passes the link's events to a stream.
final class LinkEventRelay: LinkListener {
    private let continuation: AsyncStream<LinkEvent>.Continuation

    init(_ continuation: AsyncStream<LinkEvent>.Continuation) { self.continuation = continuation }

    func onEvent(event: LinkEvent) throws { continuation.yield(event) }
}

/// Passes dashboards to a stream.
final class DashboardRelay: DashboardListener {
    private let continuation: AsyncStream<Dashboard>.Continuation

    init(_ continuation: AsyncStream<Dashboard>.Continuation) { self.continuation = continuation }

    func onDashboard(dashboard: Dashboard) throws { continuation.yield(dashboard) }
}

extension PumpLink {
    /// The link's live events: `LinkEvent.snapshot` (the current state) first, then every
    /// change in order (state changes, readings, alarms, history, rejected frames), nothing
    /// dropped however slowly the loop runs.
    ///
    /// ```swift
    /// for try await event in thecal.link().events {
    ///     if case let .alarm(alarm) = event { show(alarm) }
    /// }
    /// ```
    ///
    /// Each loop subscribes on its own and unsubscribes when it ends (see ``LiveUpdates``).
    public var events: LiveUpdates<LinkEvent> {
        LiveUpdates(backlog: .everything) { continuation in
            try await self.subscribe(listener: LinkEventRelay(continuation))
        }
    }
}

extension Thecal {
    /// The home screen, kept up to date: the dashboard at once, then again whenever anything it
    /// shows changes (a write of the app, an event of the link) and at least every minute while
    /// its data ages.
    ///
    /// Each dashboard is complete, so a loop that falls behind gets the newest one rather than a
    /// backlog (the stream keeps only the latest dashboard not yet taken). Each loop watches on
    /// its own and stops watching when it ends (see ``LiveUpdates``).
    ///
    /// - Returns: a sequence that throws `PumpError` if the core cannot start watching.
    public func dashboardUpdates() -> LiveUpdates<Dashboard> {
        LiveUpdates(backlog: .newestOnly) { continuation in
            try await self.watchDashboard(listener: DashboardRelay(continuation))
        }
    }
}
