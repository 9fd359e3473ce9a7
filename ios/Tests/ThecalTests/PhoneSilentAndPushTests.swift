import Foundation
import XCTest

import Thecal

/// The app's HTTP stack, keeping the body of every envelope posted to a mailbox (with its URL).
final class RecordingHttpClient: HttpClient, @unchecked Sendable {
    private let inner = URLSessionHttpClient()
    private let lock = NSLock()
    private var kept: [(url: String, body: Data)] = []

    /// (URL, envelope) of each envelope posted.
    var posted: [(url: String, body: Data)] {
        lock.lock()
        defer { lock.unlock() }
        return kept
    }

    func clear() {
        lock.lock()
        kept.removeAll()
        lock.unlock()
    }

    func send(request: HttpRequest) async throws -> HttpResponse {
        if request.method == "POST", request.url.hasSuffix("/messages") {
            keep(request.url, request.body)
        }
        return try await inner.send(request: request)
    }

    private func keep(_ url: String, _ body: Data) {
        lock.lock()
        defer { lock.unlock() }
        kept.append((url, body))
    }
}

/// The phone-silent alarm and push payloads from Swift, through the real relay that
/// `ios/run-tests.sh` starts on loopback: the patient's phone stops checking in and the
/// caregiver's app shows "no news from Mum's phone", then "back"; a push's payload opened by
/// `PushReader` alone, as a Notification Service Extension does it.
final class PhoneSilentAndPushTests: ThecalTestCase {
    private var relay: String {
        get throws {
            guard let url = ProcessInfo.processInfo.environment["THECAL_RELAY_URL"], !url.isEmpty else {
                throw XCTSkip("no relay: run the tests with ios/run-tests.sh")
            }
            return url
        }
    }

    /// The file the test relay reads its time from while it exists (`tests/test-relay.sh`).
    private var relayClock: URL {
        get throws {
            guard let path = ProcessInfo.processInfo.environment["THECAL_RELAY_CLOCK_FILE"], !path.isEmpty else {
                throw XCTSkip("no relay clock: run the tests with ios/run-tests.sh")
            }
            return URL(fileURLWithPath: path)
        }
    }

    private func openApp(_ name: String, secrets: SecretStore = MemorySecretStore()) async throws -> Thecal {
        let folder = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try await Thecal.open(dir: folder.path, config: ThecalConfig(timeZone: "Europe/Paris"), secrets: secrets)
    }

    /// Pairs `pc` (the patient's) and `cc` (the caregiver's), both confirmed.
    private func pair(_ pc: Caregivers, _ cc: Caregivers) async throws {
        _ = try await pairConfirmed(pc, cc, relay: try relay)
    }

    func testAPhoneThatStopsCheckingInIsReportedToTheCaregiverThenBack() async throws {
        let clock = try relayClock
        let patient = try await openApp("patient")
        let carer = try await openApp("carer")
        let pc = patient.caregivers(http: URLSessionHttpClient())
        let cc = carer.caregivers(http: URLSessionHttpClient())
        try await pair(pc, cc)

        // The patient's phone checks in every minute, no grace (the shortest schedule).
        let watch = try await pc.setCheckInSchedule(schedule: CheckInSchedule(intervalSeconds: 60, graceSeconds: 0))
        XCTAssertTrue(watch.watching)
        XCTAssertEqual(watch.watchers, 1)

        // The relay's time moves two minutes on: the check-in is overdue, and its sweep puts the
        // notice in the caregiver's mailbox (her long poll returns with it).
        defer { try? FileManager.default.removeItem(at: clock) }
        let ahead = Int(Date().timeIntervalSince1970) + 120
        try Data("\(ahead)".utf8).write(to: clock, options: .atomic)
        let deadline = Date().addingTimeInterval(60)
        while try await cc.phoneNotices().isEmpty {
            XCTAssertLessThan(Date(), deadline, "no notice came")
            if Date() >= deadline { return }
            _ = try await cc.readMailbox(waitSeconds: 20)
        }
        try FileManager.default.removeItem(at: clock)
        let shown = try await cc.phoneNotices()
        let silent = try XCTUnwrap(shown.first)
        XCTAssertEqual(silent.kind, .silent)
        XCTAssertEqual(silent.patient, "Mum")
        XCTAssertFalse(silent.phoneBack)
        XCTAssertTrue(silent.title.contains("Mum"), silent.title)

        // The patient's phone checks in again (the app's background refresh): "back".
        let back = try await pc.checkIn()
        XCTAssertTrue(back.watching)
        let read = try await cc.readMailbox(waitSeconds: 0)
        XCTAssertEqual(read.notices.count, 1)
        let notices = try await cc.phoneNotices()
        XCTAssertEqual(notices.first?.kind, .back)
        XCTAssertEqual(notices.last?.phoneBack, true, "the silence is over")
    }

    func testAPushPayloadIsOpenedByThePushReaderAloneAndStoredOnce() async throws {
        let carerSecrets = MemorySecretStore()
        let http = RecordingHttpClient()
        let patient = try await openApp("patient")
        let carer = try await openApp("carer", secrets: carerSecrets)
        let pc = patient.caregivers(http: http)
        let cc = carer.caregivers(http: URLSessionHttpClient())
        try await pair(pc, cc)

        // A pump alarm goes out; the envelope the relay would push is the one posted.
        let pump = InProcessPump(seed: 21, kind: .implanted, start: Date())
        let transport = SimPumpTransport(pump: pump)
        let collector = Collector()
        let link = patient.link()
        let subscription = try await link.subscribe(listener: collector)
        try await link.startWith(transport: transport, config: fastLink)
        try await link.pairWith(pump)
        try await collector.await("Connected") {
            if case .stateChanged(state: .connected) = $0 { return true }
            return false
        }
        transport.deliver(pump.raiseAlarm(kind: .motorStall))
        try await collector.await("the alarm") { if case .alarm = $0 { return true }; return false }
        http.clear()
        let raised = try await pc.checkAlerts()
        XCTAssertEqual(raised.count, 1)
        let post = try XCTUnwrap(http.posted.first)
        XCTAssertEqual(http.posted.count, 1)
        let mailbox = String(post.url.dropLast("/messages".count).split(separator: "/").last ?? "")
        let payload = #"{"v":1,"mbx":"\#(mailbox)","env":"\#(base64url(post.body))"}"#

        // The Notification Service Extension opens it with the data folder and the key store alone.
        let reader = try await PushReader.open(dir: dir.appendingPathComponent("carer").path, secrets: carerSecrets)
        let shown = try await reader.read(payload: payload)
        guard case let .alert(messageId, name, _, body, priority, _) = shown else {
            return XCTFail("an alert to show: \(shown)")
        }
        XCTAssertEqual(name, "Mum")
        XCTAssertEqual(priority, .high)
        XCTAssertTrue(body.contains("motor stopped"), body)
        // Stored: the app's inbox has it, and its own read finds a duplicate.
        let inbox = try await cc.inbox()
        XCTAssertEqual(inbox.map(\.messageId), [messageId])
        let read = try await cc.readMailbox(waitSeconds: 0)
        XCTAssertTrue(read.alerts.isEmpty)
        let again = try await cc.openPush(payload: payload)
        XCTAssertEqual(again, shown)

        // Without an envelope: read the mailbox.
        let free = try await reader.read(payload: #"{"v":"1","mbx":"\#(mailbox)"}"#)
        XCTAssertEqual(free, .fetchMailbox)
        // Damaged, altered, or for another phone: typed errors.
        do {
            _ = try await reader.read(payload: "{}")
            XCTFail("not a payload")
        } catch CaregiverError.BadPushPayload {}
        var altered = post.body
        altered[altered.count - 1] ^= 1
        do {
            _ = try await reader.read(payload: #"{"v":1,"mbx":"\#(mailbox)","env":"\#(base64url(altered))"}"#)
            XCTFail("altered")
        } catch CaregiverError.Tampered {}
        do {
            _ = try await reader.read(payload: #"{"v":1,"mbx":"AAAAAAAAAAAAAAAAAAAAAA","env":"\#(base64url(post.body))"}"#)
            XCTFail("for another phone")
        } catch CaregiverError.NotForThisDevice {}

        await link.stop()
        subscription.cancel()
    }

    private func base64url(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
