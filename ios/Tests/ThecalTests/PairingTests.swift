import Foundation
import XCTest

import Thecal

/// Pairing as the iOS app does it (discover, pick, confirm the serial), and the link's failures
/// as typed states the app can show: PumpMismatch, PumpNotFound, StorageFailed.
final class PairingTests: ThecalTestCase {
    private static let start = Date(timeIntervalSince1970: 1_777_881_600)  // 2026-05-04 08:00 UTC

    private let quick = LinkConfig(
        backoff: BackoffConfig(initial: 0.001, max: 0.02),
        scanTimeout: 0.05
    )

    private func stranger(_ seed: UInt64, identity: String, serial: String? = nil, name: String? = nil) -> InProcessPump {
        InProcessPump.stranger(
            seed: seed, kind: .implanted, start: Self.start, identity: identity, serial: serial, name: name
        )
    }

    private func isConnected(_ e: LinkEvent) -> Bool {
        if case .stateChanged(state: .connected) = e { return true }
        return false
    }

    /// An app with the link started over `transport` and a collector subscribed to it.
    private func startLink(_ transport: SimPumpTransport) async throws -> (Thecal, Collector, Subscription) {
        let thecal = try await open(timeZone: "UTC")
        let collector = Collector()
        let sub = try await thecal.link().subscribe(listener: collector)
        try await thecal.link().startWith(transport: transport, config: quick)
        return (thecal, collector, sub)
    }

    func testPairsTheRightSerialAndRefusesAWrongOne() async throws {
        let own = InProcessPump(seed: 11, kind: .implanted, start: Self.start)
        // Another patient's pump nearby advertises our serial as its name: a hint, not an identity.
        let other = stranger(12, identity: "stranger-1", name: own.serial())
        let transport = SimPumpTransport(pump: own, others: [other])
        let (thecal, collector, sub) = try await startLink(transport)
        let link = thecal.link()
        let nearby = try await link.discover(timeoutMs: 200)
        XCTAssertEqual(Set(nearby.map(\.deviceId)), [own.deviceId(), "stranger-1"])
        XCTAssertTrue(transport.connections.isEmpty, "listing connects to nothing")

        // The patient picks the stranger (its name looks right) and types their own serial.
        do {
            _ = try await link.pair(device: nearby.first { $0.deviceId == "stranger-1" }!, expectedSerial: own.serial())
            XCTFail("paired a pump with another serial")
        } catch let error as LinkError {
            XCTAssertEqual(error, .PumpMismatch(what: "serial"))
            XCTAssertTrue(error.localizedDescription.contains("does not match"), error.localizedDescription)
        }
        let none = try await link.pairedPump()
        XCTAssertNil(none)

        // Their own pump, with the serial typed in lower case from the printout.
        let paired = try await link.pair(
            device: nearby.first { $0.deviceId == own.deviceId() }!, expectedSerial: own.serial().lowercased()
        )
        XCTAssertEqual(paired.serial, own.serial())
        XCTAssertEqual(paired.bleIdentity, own.deviceId())
        XCTAssertTrue(paired.bonded)
        try await collector.await("Connected", isConnected)
        let snapshot = try await link.snapshot()
        XCTAssertEqual(snapshot.paired, paired)
        await link.stop()
        sub.cancel()
    }

    func testAPumpAnsweringInThePairedPumpsPlaceIsAPumpMismatch() async throws {
        let own = InProcessPump(seed: 13, kind: .implanted, start: Self.start)
        // Same BLE identity as ours (a spoofer), another serial; bonded with the phone.
        let impostor = stranger(14, identity: own.deviceId(), serial: "SIM-IT-666666")
        impostor.setInRange(inRange: false)
        let transport = SimPumpTransport(pump: own, others: [impostor])
        let (thecal, collector, sub) = try await startLink(transport)
        try await thecal.link().pairWith(own)
        try await collector.await("Connected", isConnected)
        own.setInRange(inRange: false)
        impostor.setInRange(inRange: true)
        try impostor.connect()
        _ = try impostor.bond()
        impostor.disconnect()
        transport.dropLink()
        try await collector.await("PumpMismatch") {
            if case .failed(failure: .pumpMismatch(what: "serial")) = $0 { return true }
            return false
        }
        let snapshot = try await thecal.link().snapshot()
        XCTAssertEqual(snapshot.lastFailure, .pumpMismatch(what: "serial"))
        let stored = try await thecal.pumps().list()
        XCTAssertFalse(stored.contains { $0.serial == "SIM-IT-666666" })
        // Each try with it ends in a disconnection (it may be mid-try now): once the link has
        // stopped, nothing is connected to it.
        await thecal.link().stop()
        XCTAssertFalse(impostor.isConnected(), "disconnected after each try")
        sub.cancel()
    }

    func testThePairedPumpAwayIsPumpNotFoundAndNoOtherPumpIsUsed() async throws {
        let own = InProcessPump(seed: 15, kind: .implanted, start: Self.start)
        let other = stranger(16, identity: "stranger-2", serial: own.serial())
        let transport = SimPumpTransport(pump: own, others: [other])
        let (thecal, collector, sub) = try await startLink(transport)
        let link = thecal.link()
        try await link.pairWith(own)
        try await collector.await("Connected", isConnected)
        own.setInRange(inRange: false)
        transport.dropLink()
        let failed = try await collector.await("PumpNotFound") {
            if case .failed(failure: .pumpNotFound) = $0 { return true }
            return false
        }
        if case let .failed(failure: .pumpNotFound(lastSeen)) = failed {
            XCTAssertNotNil(lastSeen, "last seen")
        }
        XCTAssertTrue(transport.connections.allSatisfy { $0 == own.deviceId() }, "never the stranger: \(transport.connections)")

        own.setInRange(inRange: true)
        try await collector.await("Connected again", isConnected)
        let back = try await link.snapshot()
        XCTAssertNil(back.lastFailure)
        await link.stop()
        sub.cancel()
    }

    func testAFullDiskWhileAnAlarmArrivesIsStorageFailedThenTheAlarmIsStoredOnce() async throws {
        let own = InProcessPump(seed: 17, kind: .implanted, start: Self.start)
        let transport = SimPumpTransport(pump: own)
        let (thecal, collector, sub) = try await startLink(transport)
        try await thecal.link().pairWith(own)
        try await collector.await("Connected", isConnected)
        transport.deliver(own.raiseAlarm(kind: .catheterOcclusion))
        try await collector.await("the first alarm") { if case .alarm = $0 { return true }; return false }

        simulateFullDisk(thecal: thecal, full: true)
        transport.deliver(own.raiseAlarm(kind: .motorStall))
        try await collector.await("StorageFailed") {
            if case .failed(failure: .storageFailed(reason: _, full: true)) = $0 { return true }
            return false
        }
        let meanwhile = try await thecal.dashboard()
        XCTAssertEqual(meanwhile.alarms.map(\.alarm.kind), [.catheterOcclusion])
        XCTAssertEqual(meanwhile.alarms.first?.current, .unknown)

        simulateFullDisk(thecal: thecal, full: false)
        try await collector.await("the motor stall, replayed") {
            if case let .alarm(alarm) = $0 { return alarm.kind == .motorStall }
            return false
        }
        var again = 0
        try await collector.await("the replay done") {
            if case .alarm = $0 { again += 1 }
            if case .historySynced = $0 { return true }
            return false
        }
        XCTAssertEqual(again, 0, "published once")
        let open = try await thecal.dashboard().alarms.map(\.alarm.kind)
        XCTAssertEqual(Set(open), [.catheterOcclusion, .motorStall])
        await thecal.link().stop()
        sub.cancel()
    }
}
