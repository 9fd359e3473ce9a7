import Foundation
import XCTest

@testable import Thecal

/// The iOS transport's and scheduler's plain-Swift logic, and the core's notification plan.
final class PhoneSideTests: ThecalTestCase {
    private func planned(_ id: String, _ importance: NotificationImportance, in minutes: Double) -> PlannedNotification {
        PlannedNotification(
            id: id, kind: .reminder, importance: importance,
            fireAt: Date(timeIntervalSince1970: 1_800_000_000 + minutes * 60), title: id, body: "")
    }

    func testTheWindowKeepsTheMostImportantSixtyFour() {
        var plan = (0..<100).map { planned("normal-\($0)", .normal, in: Double($0)) }
        plan += (0..<10).map { planned("urgent-\($0)", .urgent, in: Double(1000 + $0)) }
        plan += (0..<10).map { planned("high-\($0)", .high, in: Double(2000 + $0)) }
        let window = NotificationWindow.select(plan)
        XCTAssertEqual(window.count, 64)
        XCTAssertEqual(window.filter { $0.importance == .urgent }.count, 10)
        XCTAssertEqual(window.filter { $0.importance == .high }.count, 10)
        // The 44 soonest routine ones fill the rest; soonest first.
        XCTAssertEqual(window.first?.id, "normal-0")
        XCTAssertFalse(window.contains { $0.id == "normal-44" })
        XCTAssertEqual(window.map(\.fireAt), window.map(\.fireAt).sorted())
        XCTAssertEqual(NotificationWindow.select(plan, reserved: 4).count, 60)
    }

    func testChangesReplaceMovedRequestsAndRemoveThoseThatLeftThePlan() {
        let plan = [planned("a", .high, in: 10), planned("b", .normal, in: 20)]
        let pending = ["a": plan[0].fireAt, "b": plan[1].fireAt.addingTimeInterval(3600), "gone": Date()]
        let (remove, add) = NotificationWindow.changes(plan: plan, pending: pending)
        XCTAssertEqual(remove, ["gone"])
        XCTAssertEqual(add.map(\.id), ["b"])
        XCTAssertEqual(NotificationWindow.interruptionLevel(.urgent), .timeSensitive)
        XCTAssertEqual(NotificationWindow.interruptionLevel(.normal), .active)
    }

    func testCoreBluetoothStatesAndErrorsAreTheCoresTypedErrors() {
        XCTAssertNil(BleErrorMapping.forCentral(.poweredOn))
        guard case .BluetoothUnavailable? = BleErrorMapping.forCentral(.poweredOff) else { return XCTFail("off") }
        guard case .PermissionDenied? = BleErrorMapping.forCentral(.unauthorized) else { return XCTFail("unauthorized") }
        guard case .PairingRefused = BleErrorMapping.forError(domain: "CBATTErrorDomain", code: 5, during: .read(characteristic: "x"))
        else { return XCTFail("insufficient authentication") }
        guard case .PairingRefused = BleErrorMapping.forError(domain: "CBErrorDomain", code: 14, during: nil)
        else { return XCTFail("peer removed pairing") }
        guard case .NotConnected = BleErrorMapping.forError(domain: "CBErrorDomain", code: 7, during: .read(characteristic: "x"))
        else { return XCTFail("disconnected") }
        guard case .Platform = BleErrorMapping.forError(domain: "NSPOSIXErrorDomain", code: 1, during: nil)
        else { return XCTFail("other domain") }
    }

    func testReconnectionDecisions() {
        XCTAssertEqual(ReconnectPolicy.afterDisconnect(state: .poweredOn, errorDomain: "CBErrorDomain", errorCode: 6), .connectWhenInRange)
        XCTAssertEqual(ReconnectPolicy.afterDisconnect(state: .poweredOff, errorDomain: nil, errorCode: nil), .waitForBluetooth)
        guard case .report(.PermissionDenied) = ReconnectPolicy.afterDisconnect(state: .unauthorized, errorDomain: nil, errorCode: nil)
        else { return XCTFail("unauthorized") }
        guard case .report(.PairingRefused) = ReconnectPolicy.afterDisconnect(state: .poweredOn, errorDomain: "CBErrorDomain", errorCode: 14)
        else { return XCTFail("bond removed") }
    }

    func testTheRequestQueueRunsOneRequestAtATimeAndTellsReadsFromNotifications() async throws {
        let queue = BleRequestQueue()
        let inFlight = Counter()
        try await withThrowingTaskGroup(of: Data.self) { group in
            for i in 0..<20 {
                group.addTask {
                    try await queue.run(.read(characteristic: "c\(i)")) {
                        inFlight.enter()
                        Thread.detachNewThread {
                            usleep(1000)
                            inFlight.leave()
                            // A value for another characteristic is a notification, not the answer.
                            XCTAssertFalse(queue.complete(.read(characteristic: "other"), .success(Data())))
                            queue.complete(.read(characteristic: "c\(i)"), .success(Data([UInt8(i)])))
                        }
                        return true
                    }
                }
            }
            var n = 0
            for try await _ in group { n += 1 }
            XCTAssertEqual(n, 20)
        }
        XCTAssertEqual(inFlight.most, 1)
        XCTAssertEqual(queue.started, 20)
        do {
            _ = try await queue.run(.subscribe(characteristic: "gone")) { false }
            XCTFail("a request that could not start succeeded")
        } catch TransportError.NotConnected {}
    }

    func testThePlanFromTheCoreAcrossDstAndAZoneChange() async throws {
        let thecal = try await open()
        _ = try await thecal.recovery().addReminder(input: ReminderInput(
            title: "Antibiotic", time: LocalTime(hour: 8, minute: 0),
            firstDate: CalendarDate(year: 2027, month: 3, day: 27), lastDate: CalendarDate(year: 2027, month: 3, day: 29),
            zone: .followDevice))
        let iso = ISO8601DateFormatter()
        let from = iso.date(from: "2027-03-26T00:00:00Z")!, until = iso.date(from: "2027-03-30T00:00:00Z")!
        let paris = try await thecal.notifications().plan(from: from, until: until, deviceZone: "Europe/Paris")
        XCTAssertEqual(paris.map { iso.string(from: $0.fireAt) },
                       ["2027-03-27T07:00:00Z", "2027-03-28T06:00:00Z", "2027-03-29T06:00:00Z"])
        let tokyo = try await thecal.notifications().plan(from: from, until: until, deviceZone: "Asia/Tokyo")
        XCTAssertEqual(tokyo.map(\.id), paris.map(\.id))
        XCTAssertEqual(NotificationWindow.select(paris).count, 3)
        do {
            _ = try await thecal.notifications().plan(from: until, until: from, deviceZone: "Europe/Paris")
            XCTFail("an empty window was accepted")
        } catch let e as PumpError {
            guard case .invalidInput(let field, _)? = e.commonFailure else { return XCTFail("\(e)") }
            XCTAssertEqual(field, "until")
        }
    }
}

/// Counts concurrent entries.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var now = 0
    private var max = 0
    var most: Int { lock.locked { max } }
    func enter() { lock.locked { now += 1; max = Swift.max(max, now) } }
    func leave() { lock.locked { now -= 1 } }
}
