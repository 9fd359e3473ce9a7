import Foundation
import XCTest

import Thecal

/// The pump API as the iOS app sees it, against the real Rust library and a real store.
final class PumpsTests: ThecalTestCase {
    private static let serial = "SIM0001"
    /// 2026-11-25T09:00:00.250Z (a quarter second is exact in a Double).
    private static let t0 = Date(timeIntervalSince1970: 1_795_597_200.25)

    private static func implanted() -> DeviceInfo {
        DeviceInfo(
            manufacturer: "Thecal Sim",
            model: "TS-40",
            serial: serial,
            firmwareRevision: "1.0.0",
            hardwareRevision: "B",
            kind: .implanted,
            reservoirKind: .implantedChamber,
            reservoirCapacity: Volume(microliters: 40_000)
        )
    }

    /// 40 mL pump, 18.5 mL left, a morphine mixture at 25 mg/mL, 5 mg/day, battery at ERI.
    private static func reading(at: Date) -> StatusReading {
        StatusReading(
            takenAt: at,
            pumpClock: at.addingTimeInterval(-42),
            reservoirVolume: Volume(microliters: 18_500),
            reservoirCapacity: Volume(microliters: 40_000),
            mode: .flex,
            dailyDose: DailyDose(microgramsPerDay: 5_000),
            drug: .other(name: "morphine + clonidine"),
            concentration: Concentration(microgramsPerMilliliter: 25_000),
            battery: BatteryStatus(percent: 87, indicator: .electiveReplacement)
        )
    }

    func testRegisteredPumpIsListed() async throws {
        let thecal = try await open()
        let pumps = thecal.pumps()
        let before = try await pumps.list()
        XCTAssertEqual(before, [])
        try await pumps.register(info: Self.implanted())
        let after = try await pumps.list()
        XCTAssertEqual(after, [Self.implanted()])
        XCTAssertEqual(thecal.timeZone(), "Europe/Paris")
    }

    func testRecordedReadingComesBackExactly() async throws {
        let pumps = try await open().pumps()
        try await pumps.register(info: Self.implanted())
        let none = try await pumps.latestReading(serial: Self.serial)
        XCTAssertNil(none)

        let r = Self.reading(at: Self.t0)
        let stored = try await pumps.recordReading(serial: Self.serial, reading: r)
        XCTAssertTrue(stored)

        let latest = try await pumps.latestReading(serial: Self.serial)
        let back = try XCTUnwrap(latest)
        XCTAssertEqual(back.takenAt, Self.t0)
        XCTAssertEqual(back.pumpClock, Self.t0.addingTimeInterval(-42))
        XCTAssertEqual(back.reservoirVolume.microliters, 18_500)
        XCTAssertEqual(back.reservoirCapacity.microliters, 40_000)
        XCTAssertEqual(back.mode, .flex)
        XCTAssertEqual(back.dailyDose.microgramsPerDay, 5_000)
        XCTAssertEqual(back.drug, .other(name: "morphine + clonidine"))
        XCTAssertEqual(back.concentration.microgramsPerMilliliter, 25_000)
        XCTAssertEqual(back.battery, BatteryStatus(percent: 87, indicator: .electiveReplacement))
        XCTAssertEqual(back, r)
    }

    func testTheSameReadingIsStoredOnce() async throws {
        let pumps = try await open().pumps()
        try await pumps.register(info: Self.implanted())
        let first = try await pumps.recordReading(serial: Self.serial, reading: Self.reading(at: Self.t0))
        let again = try await pumps.recordReading(serial: Self.serial, reading: Self.reading(at: Self.t0))
        XCTAssertTrue(first)
        XCTAssertFalse(again)
        // A newer reading is stored and becomes the latest.
        var later = Self.reading(at: Self.t0.addingTimeInterval(60))
        later.reservoirVolume = Volume(microliters: 18_300)
        let storedLater = try await pumps.recordReading(serial: Self.serial, reading: later)
        XCTAssertTrue(storedLater)
        let latest = try await pumps.latestReading(serial: Self.serial)
        XCTAssertEqual(latest, later)
    }

    func testTimesAreKeptToTheMillisecond() async throws {
        let pumps = try await open().pumps()
        try await pumps.register(info: Self.implanted())
        let precise = Self.t0.addingTimeInterval(0.123_456)
        _ = try await pumps.recordReading(serial: Self.serial, reading: Self.reading(at: precise))
        let latest = try await pumps.latestReading(serial: Self.serial)
        let back = try XCTUnwrap(latest)
        // 09:00:00.250 + 0.123456 s is stored as 09:00:00.373.
        XCTAssertEqual(back.takenAt.timeIntervalSince1970, 1_795_597_200.373, accuracy: 1e-6)
    }

    func testMoreVolumeThanCapacityIsInvalidInput() async throws {
        let pumps = try await open().pumps()
        try await pumps.register(info: Self.implanted())
        var bad = Self.reading(at: Self.t0)
        bad.reservoirVolume = Volume(microliters: 40_001)
        do {
            _ = try await pumps.recordReading(serial: Self.serial, reading: bad)
            XCTFail("a reading with more volume than capacity was accepted")
        } catch let PumpError.InvalidInput(field, _) {
            XCTAssertEqual(field, "reservoir_volume")
        }
        let latest = try await pumps.latestReading(serial: Self.serial)
        XCTAssertNil(latest, "nothing was stored")
    }

    func testUnknownSerialIsUnknownPump() async throws {
        let pumps = try await open().pumps()
        do {
            _ = try await pumps.recordReading(serial: "NOPE-1", reading: Self.reading(at: Self.t0))
            XCTFail("a reading of an unknown pump was accepted")
        } catch PumpError.PumpNotPaired {
            // expected
        }
    }

    func testBadDeviceInfoNamesTheField() async throws {
        let pumps = try await open().pumps()
        var info = Self.implanted()
        info.reservoirKind = .bag
        do {
            try await pumps.register(info: info)
            XCTFail("an implanted pump with a bag was accepted")
        } catch let PumpError.InvalidInput(field, _) {
            XCTAssertEqual(field, "reservoir_kind")
        }
        let listed = try await pumps.list()
        XCTAssertEqual(listed, [])
    }

    func testUnknownTimeZoneIsInvalidInput() async throws {
        do {
            _ = try await open(timeZone: "Mars/Olympus_Mons")
            XCTFail("an unknown time zone was accepted")
        } catch let OpenError.InvalidInput(field, _) {
            XCTAssertEqual(field, "time_zone")
        }
    }

    func testPercentAndAgeAreComputedByTheCore() {
        let r = Self.reading(at: Self.t0)
        XCTAssertEqual(r.reservoirPercent(), 46.25, accuracy: 1e-9)
        XCTAssertEqual(r.age(now: Self.t0.addingTimeInterval(31 * 60)), 31 * 60, accuracy: 1e-6)
        // A clock that went backwards never gives a negative age.
        XCTAssertEqual(r.age(now: Self.t0.addingTimeInterval(-300)), 0)
    }

    func testDataSurvivesClosingAndReopening() async throws {
        do {
            let thecal = try await open()
            let pumps = thecal.pumps()
            try await pumps.register(info: Self.implanted())
            let stored = try await pumps.recordReading(serial: Self.serial, reading: Self.reading(at: Self.t0))
            XCTAssertTrue(stored)
        }
        // Both objects are released here, which closes the store.
        let pumps = try await open().pumps()
        let listed = try await pumps.list()
        XCTAssertEqual(listed, [Self.implanted()])
        let latest = try await pumps.latestReading(serial: Self.serial)
        XCTAssertEqual(latest, Self.reading(at: Self.t0))
        let again = try await pumps.recordReading(serial: Self.serial, reading: Self.reading(at: Self.t0))
        XCTAssertFalse(again, "still known after reopening")
    }
}
