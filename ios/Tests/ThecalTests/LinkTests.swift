import Foundation
import XCTest

import Thecal

/// The iOS app's side of the link: a `BleTransport` written in Swift (here over the in-process
/// simulated pump, where the app would use CoreBluetooth), driven by the real link manager.
final class SimPumpTransport: BleTransport, @unchecked Sendable {
    let pump: InProcessPump
    let id: String
    private let lock = NSLock()
    private var events: TransportEvents?

    init(pump: InProcessPump) {
        self.pump = pump
        self.id = pump.deviceId()
    }

    func name() -> String { "Swift transport (in-process pump)" }

    func setEvents(events: TransportEvents) throws {
        lock.lock()
        self.events = events
        lock.unlock()
    }

    func scan(serviceUuids: [String], timeoutMs: UInt32) async throws -> [Advertisement] {
        pump.advertisement().map { [$0] } ?? []
    }

    func connect(deviceId: String) async throws { try pump.connect() }

    func disconnect(deviceId: String) async throws { dropLink() }

    func read(deviceId: String, characteristic: String) async throws -> Data {
        try pump.read(characteristic: characteristic)
    }

    func write(deviceId: String, characteristic: String, value: Data) async throws {
        deliver(try pump.write(characteristic: characteristic, value: value))
    }

    func subscribe(deviceId: String, characteristic: String) async throws {
        try pump.subscribe(characteristic: characteristic)
    }

    /// What `peripheral(_:didUpdateValueFor:error:)` would do.
    func deliver(_ values: [GattValue]) {
        lock.lock()
        let sink = events
        lock.unlock()
        for v in values {
            sink?.notification(deviceId: id, characteristic: v.characteristic, value: v.value)
        }
    }

    /// What `centralManager(_:didDisconnectPeripheral:error:)` would do.
    func dropLink() {
        pump.disconnect()
        lock.lock()
        let sink = events
        lock.unlock()
        sink?.disconnected(deviceId: id)
    }
}

/// Collects live events so a test can wait for one, with a deadline.
final class Collector: LinkListener, @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [LinkEvent] = []

    func onEvent(event: LinkEvent) throws {
        condition.lock()
        queue.append(event)
        condition.signal()
        condition.unlock()
    }

    func next(timeout: TimeInterval = 20) -> LinkEvent? {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty {
            if !condition.wait(until: deadline) { return nil }
        }
        return queue.removeFirst()
    }

    /// Waits on a thread of its own: blocking one of Swift's few cooperative threads could starve
    /// the async transport methods the link calls meanwhile.
    func nextAsync(timeout: TimeInterval = 20) async -> LinkEvent? {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: self.next(timeout: timeout)) }.start()
        }
    }

    @discardableResult
    func await(_ what: String, _ match: (LinkEvent) -> Bool) async throws -> LinkEvent {
        var seen: [String] = []
        while true {
            guard let e = await nextAsync() else {
                XCTFail("timed out waiting for \(what); saw \(seen)")
                throw CancellationError()
            }
            if match(e) { return e }
            seen.append(String(describing: e).prefix(120).description)
        }
    }
}

final class LinkTests: ThecalTestCase {
    private func isConnected(_ e: LinkEvent) -> Bool {
        if case .stateChanged(state: .connected) = e { return true }
        return false
    }

    func testLiveUpdatesThroughASwiftTransportThenLinkLostAndBack() async throws {
        let thecal = try await open()
        let start = Date(timeIntervalSince1970: 1_777_881_600)  // 2026-05-04 08:00 UTC
        let pump = InProcessPump(seed: 3, kind: .implanted, start: start)
        let transport = SimPumpTransport(pump: pump)
        let collector = Collector()
        let link = thecal.link()
        let subscription = try await link.subscribe(listener: collector)
        guard case .snapshot = try await collector.await("the snapshot", { _ in true }) else {
            return XCTFail("the current state comes first")
        }

        try await link.startWith(transport: transport, config: fastLink)
        try await collector.await("Connected", isConnected)
        let connected = try await link.snapshot()
        XCTAssertEqual(connected.pump?.serial, pump.serial())

        var t = start
        for i in 1...5 {
            t = t.addingTimeInterval(300)
            transport.deliver(pump.advanceTo(t: t))
            try await collector.await("reading \(i)") { if case .reading = $0 { return true }; return false }
        }

        transport.deliver(pump.raiseAlarm(kind: .motorStall))
        let alarm = try await collector.await("the alarm") { if case .alarm = $0 { return true }; return false }
        if case let .alarm(a) = alarm { XCTAssertEqual(a.kind, .motorStall) }

        pump.setInRange(inRange: false)
        transport.dropLink()
        try await collector.await("LinkLost") { if case .linkLost = $0 { return true }; return false }
        let lost = try await link.snapshot()
        XCTAssertNotNil(lost.lastLinkLost)
        let dashboard = try await thecal.dashboard()
        XCTAssertEqual(dashboard.alarms.first?.current, .unknown)

        pump.setInRange(inRange: true)
        try await collector.await("Connected again", isConnected)
        let back = try await link.snapshot()
        XCTAssertGreaterThanOrEqual(back.reconnects, 1)
        await link.stop()
        subscription.cancel()
        XCTAssertEqual(link.subscriberCount(), 0)
    }

    func testAFailingSwiftTransportIsATypedStateNotACrash() async throws {
        final class Broken: BleTransport, @unchecked Sendable {
            func name() -> String { "broken" }
            func setEvents(events: TransportEvents) throws {}
            func scan(serviceUuids: [String], timeoutMs: UInt32) async throws -> [Advertisement] {
                throw TransportError.BluetoothUnavailable(reason: "Bluetooth is off")
            }
            func connect(deviceId: String) async throws {}
            func disconnect(deviceId: String) async throws {}
            func read(deviceId: String, characteristic: String) async throws -> Data { Data() }
            func write(deviceId: String, characteristic: String, value: Data) async throws {}
            func subscribe(deviceId: String, characteristic: String) async throws {}
        }
        let thecal = try await open(timeZone: "UTC")
        let collector = Collector()
        let link = thecal.link()
        let sub = try await link.subscribe(listener: collector)
        try await link.startWith(transport: Broken(), config: fastLink)
        try await collector.await("Bluetooth unavailable") {
            if case .stateChanged(state: .bluetoothUnavailable) = $0 { return true }
            return false
        }
        await link.stop()
        sub.cancel()
    }
}
