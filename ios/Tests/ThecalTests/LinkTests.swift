import Foundation
import XCTest

import Thecal

/// The iOS app's side of the link: a `BleTransport` written in Swift (here over in-process
/// simulated pumps, where the app would use CoreBluetooth), driven by the real link manager.
/// `pump` is the patient's; `others` are other pumps nearby.
final class SimPumpTransport: BleTransport, @unchecked Sendable {
    let pump: InProcessPump
    let id: String
    private let pumps: [InProcessPump]
    private let lock = NSLock()
    private var events: TransportEvents?
    private var connected: [String] = []
    private var on = true

    init(pump: InProcessPump, others: [InProcessPump] = []) {
        self.pump = pump
        self.id = pump.deviceId()
        self.pumps = [pump] + others
    }

    /// Every device connected to, in order (what CoreBluetooth was asked to do).
    var connections: [String] { locked { connected } }

    /// Bluetooth switched on (`true`) or off in the phone's settings.
    var bluetoothOn: Bool {
        get { locked { on } }
        set { locked { on = newValue } }
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    private func checkOn() throws {
        if !bluetoothOn { throw TransportError.BluetoothUnavailable(reason: "Bluetooth is off") }
    }

    /// The pump answering to `deviceId`: the one in range, if two claim the same identity.
    private func pump(_ deviceId: String) throws -> InProcessPump {
        let claimed = pumps.filter { $0.deviceId() == deviceId }
        guard let p = claimed.first(where: { $0.advertisement() != nil }) ?? claimed.first else {
            throw TransportError.DeviceNotFound
        }
        return p
    }

    func name() -> String { "Swift transport (in-process pump)" }

    func setEvents(events: TransportEvents) throws {
        locked { self.events = events }
    }

    func scan(serviceUuids: [String], timeoutMs: UInt32) async throws -> [Advertisement] {
        try checkOn()
        return pumps.compactMap { $0.advertisement() }
    }

    func connect(deviceId: String) async throws {
        try checkOn()
        locked { connected.append(deviceId) }
        try pump(deviceId).connect()
    }

    func bond(deviceId: String) async throws -> Bool { try pump(deviceId).bond() }

    func identity(deviceId: String) async throws -> String { try pump(deviceId).deviceId() }

    func disconnect(deviceId: String) async throws { dropLink(deviceId) }

    func read(deviceId: String, characteristic: String) async throws -> Data {
        try pump(deviceId).read(characteristic: characteristic)
    }

    func write(deviceId: String, characteristic: String, value: Data) async throws {
        deliver(try pump(deviceId).write(characteristic: characteristic, value: value), from: deviceId)
    }

    func subscribe(deviceId: String, characteristic: String) async throws {
        try pump(deviceId).subscribe(characteristic: characteristic)
    }

    /// What `peripheral(_:didUpdateValueFor:error:)` would do.
    func deliver(_ values: [GattValue], from deviceId: String? = nil) {
        let sink = locked { events }
        for v in values {
            sink?.notification(deviceId: deviceId ?? id, characteristic: v.characteristic, value: v.value)
        }
    }

    /// What `centralManager(_:didDisconnectPeripheral:error:)` would do.
    func dropLink(_ deviceId: String? = nil) {
        let device = deviceId ?? id
        (try? pump(device))?.disconnect()
        let sink = locked { events }
        sink?.disconnected(deviceId: device)
    }
}

extension PumpLink {
    /// Pairs `pump` as the patient does: picks it among the pumps nearby and confirms its serial.
    @discardableResult
    func pairWith(_ pump: InProcessPump) async throws -> PairedPump {
        let nearby = try await discover(timeoutMs: 500)
        guard let device = nearby.first(where: { $0.deviceId == pump.deviceId() }) else {
            XCTFail("the pump is not listed among \(nearby)")
            throw CancellationError()
        }
        return try await pair(device: device, expectedSerial: pump.serial())
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
        try await link.pairWith(pump)
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

    func testBluetoothSwitchedOffIsATypedStateAndTheLinkComesBackByItself() async throws {
        let thecal = try await open(timeZone: "UTC")
        let pump = InProcessPump(seed: 4, kind: .implanted, start: Date(timeIntervalSince1970: 1_777_881_600))
        let transport = SimPumpTransport(pump: pump)
        let collector = Collector()
        let link = thecal.link()
        let sub = try await link.subscribe(listener: collector)
        try await link.startWith(transport: transport, config: fastLink)
        try await link.pairWith(pump)
        try await collector.await("Connected", isConnected)

        // Switched off in the phone's settings: the link is lost, then every scan fails.
        transport.bluetoothOn = false
        transport.dropLink()
        try await collector.await("BluetoothOff") {
            if case .failed(failure: .bluetoothOff) = $0 { return true }
            return false
        }
        let off = try await link.snapshot()
        XCTAssertEqual(off.lastFailure, .bluetoothOff)

        // On again: it reconnects by itself.
        transport.bluetoothOn = true
        try await collector.await("Connected again", isConnected)
        let back = try await link.snapshot()
        XCTAssertNil(back.lastFailure)
        await link.stop()
        sub.cancel()
    }
}
