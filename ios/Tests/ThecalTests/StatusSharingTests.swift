import Foundation
import XCTest

import Thecal

/// Status sharing from Swift, two app objects through the real relay `ios/run-tests.sh` starts:
/// nothing is shared until the patient consents; with consent the caregiver sees the patient's
/// status and its age; withdrawing stops it and the caregiver's app stops showing it.
final class StatusSharingTests: ThecalTestCase {
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

    private static let pump = DeviceInfo(
        manufacturer: "Thecal Sim",
        model: "TS-40",
        serial: "SW-STATUS-1",
        firmwareRevision: "1.0.0",
        hardwareRevision: nil,
        kind: .implanted,
        reservoirKind: .implantedChamber,
        reservoirCapacity: Volume(microliters: 40_000)
    )

    private static func reading(at: Date, microliters: UInt32) -> StatusReading {
        StatusReading(
            takenAt: at,
            pumpClock: at,
            reservoirVolume: Volume(microliters: microliters),
            reservoirCapacity: Volume(microliters: 40_000),
            mode: .continuous,
            dailyDose: DailyDose(microgramsPerDay: 5_000),
            drug: .other(name: "baclofen"),
            concentration: Concentration(microgramsPerMilliliter: 2_000),
            battery: BatteryStatus(percent: 87, indicator: .normal)
        )
    }

    func testACaregiverSeesTheStatusOnlyWithTheConsentAndNotAfterItIsWithdrawn() async throws {
        let relay = try relay
        let patient = try await openApp("patient")
        let carer = try await openApp("carer")
        let pc = patient.caregivers(http: URLSessionHttpClient())
        let cc = carer.caregivers(http: URLSessionHttpClient())
        let invitation = try await pc.invite(relayUrl: relay)
        let mum = try await cc.acceptInvitation(text: invitation.qrText, relayHost: nil, patientName: "Mum")
        let paired = try await pc.readMailbox(waitSeconds: 0).paired
        let anna = try XCTUnwrap(paired.first)
        try await pc.rename(id: anna, name: "Anna")
        _ = try await pc.confirm(id: anna)
        _ = try await cc.confirm(id: mum.id)
        try await patient.pumps().register(info: Self.pump)
        _ = try await patient.pumps().recordReading(
            serial: Self.pump.serial, reading: Self.reading(at: Date().addingTimeInterval(-60), microliters: 18_500)
        )

        // Off until the patient consents.
        let none = try await pc.shareStatus()
        XCTAssertEqual(none, 0)
        let nothing = try await cc.readMailbox(waitSeconds: 0)
        XCTAssertEqual(nothing.statuses, 0)
        let patientsBefore = try await cc.patients()
        let before = try XCTUnwrap(patientsBefore.first)
        XCTAssertEqual(before.sharing, .notShared)
        XCTAssertNil(before.status)
        XCTAssertEqual(before.summary, "No status shared")

        let consent = try await pc.shareStatusWith(id: anna)
        XCTAssertEqual(consent.caregiver, "Anna")
        XCTAssertEqual(consent.shared, .statusSnapshot)
        XCTAssertNil(consent.withdrawnAt)
        let first = try await cc.readMailbox(waitSeconds: 0)
        XCTAssertEqual(first.statuses, 1)
        let patientsShared = try await cc.patients()
        let shared = try XCTUnwrap(patientsShared.first)
        XCTAssertEqual(shared.name, "Mum")
        XCTAssertEqual(shared.sharing, .shared)
        let status = try XCTUnwrap(shared.status)
        XCTAssertEqual(status.reservoir?.volume.microliters, 18_500)
        XCTAssertGreaterThanOrEqual(status.dataAgeSeconds ?? 0, 60)
        XCTAssertEqual(status.battery?.indicator, .normal)
        XCTAssertTrue(shared.summary.hasPrefix("Status from"), shared.summary)
        let unchanged = try await pc.shareStatus()
        XCTAssertEqual(unchanged, 0, "not sent again before the interval")

        // Withdrawn: the caregiver's app stops showing the status.
        try await pc.withdrawStatusConsent(id: anna)
        let last = try await cc.readMailbox(waitSeconds: 0)
        XCTAssertEqual(last.statuses, 1)
        let patientsEnded = try await cc.patients()
        let ended = try XCTUnwrap(patientsEnded.first)
        XCTAssertEqual(ended.sharing, .ended)
        XCTAssertNil(ended.status)
        let consents = try await pc.consents()
        let kept = try XCTUnwrap(consents.first)
        XCTAssertEqual(kept.endedBy, .withdrawn)
        XCTAssertNotNil(kept.withdrawnAt)
        do {
            try await pc.setStatusInterval(minutes: 1)
            XCTFail("too short an interval")
        } catch CaregiverError.InvalidInput {}
    }
}
