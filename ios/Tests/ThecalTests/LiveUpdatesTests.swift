import Foundation
import XCTest

import Thecal

/// The live streams as AsyncSequences: each delivers the current state first, and leaves no
/// listener registered in the core once its loop has ended, however it ended.
final class LiveUpdatesTests: ThecalTestCase {
    private static let start = Date(timeIntervalSince1970: 1_777_881_600)  // 2026-05-04 08:00 UTC

    private static let pump = implantedPump(serial: "LIVE-1")

    func testLinkEventsFollowThePumpAndBreakReleasesTheListener() async throws {
        let thecal = try await open()
        let link = thecal.link()
        let pump = InProcessPump(seed: 5, kind: .implanted, start: Self.start)
        let transport = SimPumpTransport(pump: pump)
        try await link.startWith(transport: transport, config: fastLink)

        let (kinds, listeners) = try await withDeadline("a reading from the pump") {
            var kinds: [String] = []
            var listeners: [UInt32] = []
            for try await event in link.events {
                listeners.append(link.subscriberCount())
                switch event {
                case .snapshot:
                    kinds.append("snapshot")
                    // Listening: the patient pairs the pump, the link connects and reads it.
                    try await link.pairWith(pump)
                case .reading: kinds.append("reading")
                default: kinds.append("other")
                }
                if case .reading = event { break }
            }
            return (kinds, listeners)
        }
        XCTAssertEqual(kinds.first, "snapshot", "the current state comes first")
        XCTAssertEqual(kinds.last, "reading")
        XCTAssertEqual(Set(listeners), [1], "one listener while the loop ran")
        XCTAssertEqual(link.subscriberCount(), 0, "the loop ended: nothing left registered")
        await link.stop()
    }

    func testNothingIsDroppedFromALoopThatFallsBehind() async throws {
        let thecal = try await open()
        let link = thecal.link()
        let pump = InProcessPump(seed: 6, kind: .implanted, start: Self.start)
        let transport = SimPumpTransport(pump: pump)
        try await link.startWith(transport: transport, config: fastLink)
        let sent = (1...5).map { Self.start.addingTimeInterval(300 * Double($0)) }
        let received = try await withDeadline("five readings") {
            var events = link.events.makeAsyncIterator()
            _ = try await events.next()  // the current state: this loop listens
            try await link.pairWith(pump)
            while let e = try await events.next() {
                if case .stateChanged(state: .connected) = e { break }
            }
            // Five readings pushed while the loop is not reading: all of them come, in order.
            // (The pump's clock counts whole seconds and drifts a few ppm: within 2 s of each.)
            for t in sent { transport.deliver(pump.advanceTo(t: t)) }
            var times: [Date] = []
            while let e = try await events.next() {
                guard case let .reading(reading) = e, reading.pumpClock > Self.start else { continue }
                times.append(reading.pumpClock)
                if reading.pumpClock >= sent[4].addingTimeInterval(-2) { break }
            }
            return times
        }
        for t in sent {
            XCTAssertTrue(received.contains { abs($0.timeIntervalSince(t)) < 2 }, "the reading of \(t) came (received \(received))")
        }
        XCTAssertEqual(received, received.sorted(), "in order")
        await link.stop()
    }

    func testCancellingTheTaskEndsTheLoopAndReleasesTheListener() async throws {
        let thecal = try await open()
        let link = thecal.link()
        let (received, signal) = AsyncStream.makeStream(of: LinkEvent.self)
        let task = Task {
            var count = 0
            for try await event in link.events {
                count += 1
                signal.yield(event)
            }
            return count  // the loop ends without an error when the task is cancelled
        }
        let first = try await withDeadline("the snapshot") {
            var iterator = received.makeAsyncIterator()
            return await iterator.next()
        }
        guard case .snapshot = first else { return XCTFail("the current state comes first, got \(String(describing: first))") }
        XCTAssertEqual(link.subscriberCount(), 1)

        task.cancel()
        let count = try await task.value
        XCTAssertGreaterThanOrEqual(count, 1)
        XCTAssertEqual(link.subscriberCount(), 0)
    }

    func testATaskCancelledWhileSubscribingGivesTheSubscriptionBack() async throws {
        let thecal = try await open()
        let link = thecal.link()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            var count = 0
            for try await _ in link.events { count += 1 }
            return count
        }
        let count = try await task.value
        XCTAssertEqual(count, 0, "a cancelled task gets no events")
        XCTAssertEqual(link.subscriberCount(), 0)
    }

    func testEachLoopIsASubscriptionOfItsOwn() async throws {
        let thecal = try await open()
        let link = thecal.link()
        let events = link.events
        var a = events.makeAsyncIterator()
        var b = events.makeAsyncIterator()
        XCTAssertEqual(link.subscriberCount(), 0, "nothing is subscribed before the first element is asked for")
        let firstA = try await a.next()
        let firstB = try await b.next()
        guard case .snapshot = firstA, case .snapshot = firstB else {
            return XCTFail("each loop starts with the current state")
        }
        XCTAssertEqual(link.subscriberCount(), 2)
        a = events.makeAsyncIterator()  // the first iteration is dropped
        XCTAssertEqual(link.subscriberCount(), 1)
        b = events.makeAsyncIterator()
        XCTAssertEqual(link.subscriberCount(), 0)
        _ = (a, b)
    }

    func testTheDashboardComesAtOnceThenAfterEachChange() async throws {
        let thecal = try await open(timeZone: "America/New_York")
        let pumps = thecal.pumps()
        let (empty, updated, watchers) = try await withDeadline("the dashboard with the reading") {
            var dashboards = thecal.dashboardUpdates().makeAsyncIterator()
            guard let empty = try await dashboards.next() else { throw CancellationError() }
            let watchers = thecal.dashboardWatcherCount()
            try await pumps.register(info: Self.pump)
            _ = try await pumps.recordReading(serial: Self.pump.serial, reading: halfFullReading(at: Date()))
            var latest = empty
            while latest.reservoir == nil {
                guard let next = try await dashboards.next() else { throw CancellationError() }
                latest = next
            }
            return (empty, latest, watchers)
        }
        XCTAssertEqual(empty.freshness, .noData)
        XCTAssertNil(empty.pump)
        XCTAssertEqual(watchers, 1)
        XCTAssertEqual(updated.pump?.serial, Self.pump.serial)
        XCTAssertEqual(updated.reservoir?.volume.microliters, 20_000)
        XCTAssertEqual(updated.timeZone, "America/New_York")
        XCTAssertEqual(thecal.dashboardWatcherCount(), 0, "the iteration ended: the watch is gone")
    }

    func testCancellingADashboardLoopStopsTheWatch() async throws {
        let thecal = try await open()
        let (received, signal) = AsyncStream.makeStream(of: Dashboard.self)
        let task = Task {
            for try await dashboard in thecal.dashboardUpdates() { signal.yield(dashboard) }
        }
        let first = try await withDeadline("the first dashboard") {
            var iterator = received.makeAsyncIterator()
            return await iterator.next()
        }
        XCTAssertEqual(first?.freshness, .noData)
        XCTAssertEqual(thecal.dashboardWatcherCount(), 1)
        task.cancel()
        try await task.value
        XCTAssertEqual(thecal.dashboardWatcherCount(), 0)
    }
}
