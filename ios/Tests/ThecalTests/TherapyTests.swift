import Foundation
import XCTest

import Thecal

/// The home screen and the refill log, as the iOS app calls them.
final class TherapyTests: ThecalTestCase {
    private static let serial = "SW-0001"

    private static let pump = DeviceInfo(
        manufacturer: "Acme", model: "IT-40", serial: serial, firmwareRevision: "1.0", hardwareRevision: nil,
        kind: .implanted, reservoirKind: .implantedChamber, reservoirCapacity: Volume(microliters: 40_000)
    )

    func testDashboardShowsTheNewestReadingAndAReservoirForecast() async throws {
        let thecal = try await open(timeZone: "America/New_York")
        let empty = try await thecal.dashboard()
        XCTAssertEqual(empty.freshness, .noData)
        XCTAssertNil(empty.pump)

        try await thecal.pumps().register(info: Self.pump)
        let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        let reading = StatusReading(
            takenAt: now, pumpClock: now, reservoirVolume: Volume(microliters: 20_000),
            reservoirCapacity: Volume(microliters: 40_000), mode: .continuous,
            dailyDose: DailyDose(microgramsPerDay: 4_000), drug: .morphine,
            concentration: Concentration(microgramsPerMilliliter: 20_000),
            battery: BatteryStatus(percent: 80, indicator: .normal)
        )
        _ = try await thecal.pumps().recordReading(serial: Self.serial, reading: reading)
        let d = try await thecal.dashboard()
        XCTAssertEqual(d.pump?.serial, Self.serial)
        XCTAssertEqual(d.timeZone, "America/New_York")
        let r = try XCTUnwrap(d.reservoir)
        XCTAssertEqual(r.volume.microliters, 20_000)
        XCTAssertEqual(r.basis, .programmed)
        // 20 mL of 20 mg/mL at 4 mg/day is 0.2 mL a day: empty in 100 days.
        XCTAssertEqual(r.dailyVolume?.microliters, 200)
        let days = try XCTUnwrap(r.emptyAt).timeIntervalSince(now) / 86_400
        XCTAssertEqual(days, 100, accuracy: 0.01)
        XCTAssertNotNil(d.dates.reservoirEmpty)
    }

    func testRefillLogFlagsADrugChangeAndChecksFields() async throws {
        let thecal = try await open()
        let pumps = thecal.pumps()
        try await pumps.register(info: Self.pump)
        let t0 = Date(timeIntervalSince1970: 1_769_940_000)  // 2026-02-01 10:00 UTC
        let first = RefillEntry(
            at: t0, volumeBefore: Volume(microliters: 2_000), volumeAfter: Volume(microliters: 40_000),
            drug: .morphine, concentration: Concentration(microgramsPerMilliliter: 25_000),
            dailyDose: DailyDose(microgramsPerDay: 5_000), place: .clinic
        )
        _ = try await pumps.recordRefill(serial: Self.serial, entry: first)
        var second = first
        second.at = t0.addingTimeInterval(60 * 86_400)
        second.drug = .hydromorphone
        second.concentration = Concentration(microgramsPerMilliliter: 10_000)
        _ = try await pumps.recordRefill(serial: Self.serial, entry: second)
        let log = try await pumps.refillLog(serial: Self.serial, limit: 10)
        XCTAssertEqual(log.count, 2)
        XCTAssertEqual(log[0].drug, .hydromorphone)
        XCTAssertTrue(log[0].drugChanged && log[0].concentrationChanged)
        XCTAssertFalse(log[1].drugChanged)
        XCTAssertEqual(log[0].source, .manual)
        XCTAssertEqual(log[1].volumeAdded, Volume(microliters: 38_000))

        var tooMuch = first
        tooMuch.volumeAfter = Volume(microliters: 41_000)
        do {
            _ = try await pumps.recordRefill(serial: Self.serial, entry: tooMuch)
            XCTFail("a refill over the capacity must be refused")
        } catch let PumpError.InvalidInput(field, _) {
            XCTAssertEqual(field, "volume_after")
        }
        let after = try await pumps.refillLog(serial: Self.serial, limit: 10)
        XCTAssertEqual(after.count, 2)
    }
}
