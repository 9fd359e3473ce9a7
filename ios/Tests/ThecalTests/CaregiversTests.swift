import Foundation
import XCTest

import Thecal

/// Caregiver alerts from Swift, two app objects (the patient's phone, the caregiver's) through the
/// real relay that `ios/run-tests.sh` starts on loopback, each with the package's
/// `URLSessionHttpClient`: pairing both ways, a pump alarm from the simulated pump reaching the
/// caregiver, her acknowledgement coming back, revocation; wrong codes as typed errors.
final class CaregiversTests: ThecalTestCase {
    private var relay: String {
        get throws {
            guard let url = ProcessInfo.processInfo.environment["THECAL_RELAY_URL"], !url.isEmpty else {
                throw XCTSkip("no relay: run the tests with ios/run-tests.sh")
            }
            return url
        }
    }

    private func openApp(_ name: String) async throws -> Thecal {
        let folder = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try await Thecal.open(
            dir: folder.path, config: ThecalConfig(timeZone: "Europe/Paris"), secrets: MemorySecretStore()
        )
    }

    func testAPumpAlarmReachesThePairedCaregiverAndHerAcknowledgementComesBack() async throws {
        let relay = try relay
        let patient = try await openApp("patient")
        let carer = try await openApp("carer")
        let pc = patient.caregivers(http: URLSessionHttpClient())
        let cc = carer.caregivers(http: URLSessionHttpClient())

        let invitation = try await pc.invite(relayUrl: relay)
        XCTAssertTrue(invitation.qrText.hasPrefix("thecal:pair?v=1&relay="))
        let mum = try await cc.acceptInvitation(text: invitation.qrText, relayHost: nil, patientName: "Mum")
        XCTAssertEqual(mum.role, .patient)
        let paired = try await pc.readMailbox(waitSeconds: 0).paired
        XCTAssertEqual(paired.count, 1)
        let anna = try XCTUnwrap(paired.first)
        let onPatient = try await pc.safetyNumber(id: anna)
        let onCarer = try await cc.safetyNumber(id: mum.id)
        XCTAssertEqual(onPatient, onCarer)
        try await pc.rename(id: anna, name: "Anna")
        let confirmed = try await pc.confirm(id: anna)
        XCTAssertEqual(confirmed.state, .confirmed)
        _ = try await cc.confirm(id: mum.id)

        // The simulated pump raises an alarm; the patient's phone stores it through the link.
        let pump = InProcessPump(seed: 12, kind: .implanted, start: Date())
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

        let raised = try await pc.checkAlerts()
        XCTAssertEqual(raised.count, 1)
        let again = try await pc.checkAlerts()
        XCTAssertTrue(again.isEmpty, "told once")

        let read = try await cc.readMailbox(waitSeconds: 0)
        XCTAssertEqual(read.alerts.count, 1)
        let inbox = try await cc.inbox()
        let alert = try XCTUnwrap(inbox.first)
        XCTAssertEqual(alert.priority, .high)
        XCTAssertEqual(alert.patient, "Mum")
        XCTAssertTrue(alert.body.contains("motor stopped"), alert.body)
        try await cc.acknowledge(messageId: alert.messageId)

        let back = try await pc.readMailbox(waitSeconds: 0)
        XCTAssertEqual(back.receipts, 2)
        let deliveries = try await pc.deliveries(alertId: raised[0])
        let delivery = try XCTUnwrap(deliveries.first)
        XCTAssertEqual(delivery.caregiver, "Anna")
        XCTAssertNotNil(delivery.deliveredAt)
        XCTAssertNotNil(delivery.acknowledgedAt)

        try await cc.revoke(id: mum.id)
        let ended = try await pc.readMailbox(waitSeconds: 0)
        XCTAssertEqual(ended.revoked, [anna])

        await link.stop()
        subscription.cancel()
    }

    func testWithTheAutomaticRulesOnAPumpAlarmGoesOutWithoutTheAppAsking() async throws {
        let relay = try relay
        let patient = try await openApp("patient")
        let carer = try await openApp("carer")
        let pc = patient.caregivers(http: URLSessionHttpClient())
        let cc = carer.caregivers(http: URLSessionHttpClient())
        let mum = try await pairConfirmed(pc, cc, relay: relay).patient

        // The app starts the rules once; from then on the core raises and sends by itself.
        let watching = try await pc.watchAlerts()
        let pump = InProcessPump(seed: 13, kind: .implanted, start: Date())
        let transport = SimPumpTransport(pump: pump)
        let link = patient.link()
        try await link.startWith(transport: transport, config: fastLink)
        try await link.pairWith(pump)
        transport.deliver(pump.raiseAlarm(kind: .catheterOcclusion))

        // The caregiver's phone long-polls the relay: it returns as the alert arrives.
        let deadline = Date().addingTimeInterval(60)
        while true {
            let inbox = try await cc.inbox()
            if inbox.contains(where: { $0.body.contains("catheter") }) { break }
            XCTAssertLessThan(Date(), deadline, "no alert came")
            if Date() >= deadline { return }
            _ = try await cc.readMailbox(waitSeconds: 20)
        }
        let inbox = try await cc.inbox()
        let alert = try XCTUnwrap(inbox.first { $0.body.contains("catheter") })
        XCTAssertEqual(alert.priority, .high)
        await link.stop()
        watching.cancel()

        // The patient deletes everything: the caregiver is told, nothing is left here.
        try await pc.deleteEverything()
        let told = try await cc.readMailbox(waitSeconds: 0)
        XCTAssertEqual(told.revoked, [mum])
        let left = try await pc.pairedDevices()
        XCTAssertTrue(left.isEmpty)
        do {
            _ = try await pc.readMailbox(waitSeconds: 0)
            XCTFail("no relay is set up any more")
        } catch CaregiverError.NotSetUp {}
    }

    /// The patient's folder, key store and app, paired through `relay` with a caregiver's app;
    /// with the caregiver's API and the patient's id on it, for the deletion tests.
    private func patientWithACaregiver(
        relay: String
    ) async throws -> (URL, MemorySecretStore, Thecal, Caregivers, String) {
        let folder = dir.appendingPathComponent("patient")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let keys = MemorySecretStore()
        let patient = try await Thecal.open(
            dir: folder.path, config: ThecalConfig(timeZone: "Europe/Paris"), secrets: keys
        )
        let carer = try await openApp("carer")
        let cc = carer.caregivers(http: URLSessionHttpClient())
        let mum = try await pairConfirmed(patient.caregivers(http: URLSessionHttpClient()), cc, relay: relay).patient
        return (folder, keys, patient, cc, mum)
    }

    func testDeletingAllMyDataEmptiesThisPhoneAndTheRelayAndTellsTheCaregiver() async throws {
        let relay = try relay
        let (folder, keys, patient, cc, mum) = try await patientWithACaregiver(relay: relay)
        let now = Date()
        _ = try await patient.diary().addPain(
            input: PainInput(at: now.addingTimeInterval(-60), score: 6, inventory: nil, interference: nil,
                             location: nil, note: "after the walk"),
            author: .patient
        )
        XCTAssertEqual(keys.names.count, 1)

        let report = try await patient.deleteAllMyData(http: URLSessionHttpClient())
        XCTAssertEqual(report.relay, .deleted(relay: relay))
        XCTAssertEqual(report.keysDeleted, 1)
        XCTAssertGreaterThanOrEqual(report.filesDeleted, 1)
        XCTAssertTrue(keys.names.isEmpty)
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasPrefix("thecal.sqlite3") }
        XCTAssertEqual(left, [])
        // The caregiver's phone is told; this object reads nothing any more.
        let told = try await cc.readMailbox(waitSeconds: 0)
        XCTAssertEqual(told.revoked, [mum])
        do {
            _ = try await patient.diary().painEntries(from: now.addingTimeInterval(-86400), to: now)
            XCTFail("the data was deleted")
        } catch let error as DiaryError {
            guard case .storageUnavailable = error.commonFailure else {
                return XCTFail("expected storage unavailable, got \(error)")
            }
        }
        // Opening the folder again starts afresh.
        let again = try await Thecal.open(
            dir: folder.path, config: ThecalConfig(timeZone: "Europe/Paris"), secrets: keys
        )
        let entries = try await again.diary().painEntries(from: now.addingTimeInterval(-86400), to: now)
        XCTAssertTrue(entries.isEmpty)
    }

    func testADeletionStoppedByAFileIsFinishedByTheSecondTryWhichReportsBoth() async throws {
        let relay = try relay
        let (folder, keys, patient, cc, mum) = try await patientWithACaregiver(relay: relay)
        // Something that is not a file among the files kept aside: it cannot be removed.
        let obstacle = folder.appendingPathComponent("damaged").appendingPathComponent("a folder")
        try FileManager.default.createDirectory(at: obstacle, withIntermediateDirectories: true)

        do {
            _ = try await patient.deleteAllMyData(http: URLSessionHttpClient())
            XCTFail("a folder was in the way")
        } catch let error as DeletionError {
            guard case let .storageUnavailable(reason) = error.commonFailure else {
                return XCTFail("expected storage unavailable, got \(error)")
            }
            XCTAssertTrue(reason.contains("a folder"), reason)
        }
        // The relay's part and the keys were done before the files.
        let told = try await cc.readMailbox(waitSeconds: 0)
        XCTAssertEqual(told.revoked, [mum])
        XCTAssertTrue(keys.names.isEmpty)

        try FileManager.default.removeItem(at: obstacle)
        let report = try await patient.deleteAllMyData(http: URLSessionHttpClient())
        XCTAssertEqual(report.relay, .deleted(relay: relay))
        XCTAssertEqual(report.keysDeleted, 1)
        XCTAssertGreaterThanOrEqual(report.filesDeleted, 1)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
    }

    func testEachCaregiverHasHerSettingsAndASnoozeReachesThePatientButNeverForACriticalAlarm() async throws {
        let relay = try relay
        let patient = try await openApp("patient")
        let carer = try await openApp("carer")
        let pc = patient.caregivers(http: URLSessionHttpClient())
        let cc = carer.caregivers(http: URLSessionHttpClient())
        let anna = try await pairConfirmed(pc, cc, relay: relay).caregiver

        // Her settings: every rule by default; quiet hours, a rota, reminders when set.
        let defaults = try await pc.caregiverSettings(id: anna)
        XCTAssertTrue(defaults.rules.pumpAlarms)
        XCTAssertNil(defaults.quietHours)
        var nights = defaults
        nights.quietHours = DailySpan(fromMinute: 22 * 60, toMinute: 7 * 60)
        nights.onCall = [OnCallWindow(days: [.saturday, .sunday], hours: DailySpan(fromMinute: 0, toMinute: 0))]
        nights.reminderMinutes = 30
        nights.rotaPosition = 1
        nights.timeZone = "Europe/Paris"
        try await pc.setCaregiverSettings(id: anna, settings: nights)
        let stored = try await pc.caregiverSettings(id: anna)
        XCTAssertEqual(stored, nights)
        var tooOften = nights
        tooOften.reminderMinutes = 1
        do {
            try await pc.setCaregiverSettings(id: anna, settings: tooOften)
            XCTFail("reminders every minute are refused")
        } catch let CaregiverError.InvalidInput(field, _) {
            XCTAssertEqual(field, "reminder_minutes")
        }
        // Back to always on call, never quiet (this test runs on the real clock).
        var always = defaults
        always.reminderMinutes = 30
        try await pc.setCaregiverSettings(id: anna, settings: always)

        let pump = InProcessPump(seed: 14, kind: .implanted, start: Date())
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
        transport.deliver(pump.raiseAlarm(kind: .reservoirLow))
        try await collector.await("two alarms") {
            if case let .alarm(alarm) = $0, alarm.kind == .reservoirLow { return true }
            return false
        }
        let raised = try await pc.checkAlerts()
        XCTAssertEqual(raised.count, 2)

        _ = try await cc.readMailbox(waitSeconds: 0)
        let inbox = try await cc.inbox()
        let critical = try XCTUnwrap(inbox.first { $0.priority == .high })
        let medium = try XCTUnwrap(inbox.first { $0.priority == .medium })
        XCTAssertFalse(critical.canSnooze)
        XCTAssertTrue(medium.canSnooze)
        do {
            try await cc.snooze(messageId: critical.messageId, minutes: 60)
            XCTFail("a critical alarm cannot be snoozed")
        } catch CaregiverError.CannotSnooze {}
        try await cc.snooze(messageId: medium.messageId, minutes: 60)
        let after = try await cc.inbox()
        let snoozed = try XCTUnwrap(after.first { $0.messageId == medium.messageId })
        XCTAssertTrue(snoozed.snoozed)
        XCTAssertNotNil(snoozed.snoozedUntil)

        _ = try await pc.readMailbox(waitSeconds: 0)
        var seen = 0
        for id in raised {
            let deliveries = try await pc.deliveries(alertId: id)
            if deliveries.first?.seenAt != nil { seen += 1 }
        }
        XCTAssertEqual(seen, 1, "the snooze tells the patient's phone she saw it")

        await link.stop()
        subscription.cancel()
    }

    func testWrongOrUsedCodesAreTypedErrors() async throws {
        let relay = try relay
        let host = String(relay.dropFirst("http://".count))
        let patient = try await openApp("patient")
        let carer = try await openApp("carer")
        let other = try await openApp("other")
        let pc = patient.caregivers(http: URLSessionHttpClient())
        let cc = carer.caregivers(http: URLSessionHttpClient())
        let oc = other.caregivers(http: URLSessionHttpClient())

        do {
            _ = try await pc.readMailbox(waitSeconds: 0)
            XCTFail("no relay set up yet")
        } catch CaregiverError.NotSetUp {}

        let invitation = try await pc.invite(relayUrl: relay)
        do {
            _ = try await cc.acceptInvitation(text: "00000-00000", relayHost: host, patientName: "Mum")
            XCTFail("no such invitation")
        } catch CaregiverError.InvitationNotFound {}
        do {
            _ = try await cc.acceptInvitation(text: "12345", relayHost: host, patientName: "Mum")
            XCTFail("not a code")
        } catch let error as CaregiverError {
            guard case .BadInvitation = error else { return XCTFail("\(error)") }
            XCTAssertTrue(error.localizedDescription.contains("10 letters and digits"), error.localizedDescription)
        }
        let mum = try await cc.acceptInvitation(text: invitation.code.lowercased(), relayHost: host, patientName: "Mum")
        XCTAssertEqual(mum.state, .unconfirmed)
        do {
            _ = try await oc.acceptInvitation(text: invitation.qrText, relayHost: nil, patientName: "x")
            XCTFail("the invitation is used")
        } catch CaregiverError.InvitationUsed {}
        do {
            try await cc.acknowledge(messageId: "nothing")
            XCTFail("no such alert")
        } catch CaregiverError.UnknownAlert {}
    }
}
