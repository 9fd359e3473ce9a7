import Foundation
import XCTest

import Thecal

/// The home screen and the refill log, as the iOS app calls them.
final class TherapyTests: ThecalTestCase {
    private static let serial = "SW-0001"

    private static let pump = implantedPump(serial: serial)

    func testDashboardShowsTheNewestReadingAndAReservoirForecast() async throws {
        let thecal = try await open(timeZone: "America/New_York")
        let empty = try await thecal.dashboard()
        XCTAssertEqual(empty.freshness, .noData)
        XCTAssertNil(empty.pump)

        try await thecal.pumps().register(info: Self.pump)
        let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        _ = try await thecal.pumps().recordReading(serial: Self.serial, reading: halfFullReading(at: now))
        let d = try await thecal.dashboard()
        XCTAssertEqual(d.pump?.serial, Self.serial)
        XCTAssertEqual(d.timeZone, "America/New_York")
        let r = try XCTUnwrap(d.reservoir)
        XCTAssertEqual(r.volume.microliters, 20_000)
        XCTAssertEqual(r.basis, .programmed)
        // 20 mL of 20 mg/mL at 4 mg/day is 0.2 mL a day: the pump counts 100 days, but pumps of
        // its class deliver about 1 % more than they count: really empty in 99 days.
        XCTAssertEqual(r.dailyVolume?.microliters, 200)
        let runsOut = try XCTUnwrap(r.empty)
        XCTAssertEqual(runsOut.expected.timeIntervalSince(now) / 86_400, 99.0, accuracy: 0.1)
        XCTAssertEqual(runsOut.levelPercent, 80)
        XCTAssertTrue(runsOut.earliest < runsOut.expected && runsOut.expected < runsOut.latest)
        // The dashboard says it in the patient's days, at the precision of the range.
        let words = try XCTUnwrap(d.dates.reservoirEmpty)
        XCTAssertEqual(words, thecal.describeDateRange(range: runsOut))
        XCTAssertNotNil(
            words.range(of: #"^around \d+ \w+ \d{4} \(between .+\)$"#, options: .regularExpression), words)
    }

    func testARefillAppointmentShowsOnTheDashboardAndWarnsWhenTheReservoirMayRunLowFirst() async throws {
        let thecal = try await open(timeZone: "Europe/Paris")
        try await thecal.pumps().register(info: Self.pump)
        let now = Date()
        _ = try await thecal.pumps().recordReading(serial: Self.serial, reading: halfFullReading(at: now))
        var paris = Calendar(identifier: .gregorian)
        paris.timeZone = TimeZone(identifier: "Europe/Paris")!
        func inDays(_ days: Int) -> CalendarDate {
            let c = paris.dateComponents([.year, .month, .day], from: now.addingTimeInterval(Double(days) * 86_400))
            return CalendarDate(year: Int32(c.year!), month: UInt8(c.month!), day: UInt8(c.day!))
        }
        // 20 mL at 0.2 mL a day: the reservoir reaches its low level in about three months.
        let kept = try await thecal.pumps().setRefillAppointment(
            appointment: RefillAppointmentInput(
                date: inDays(7), time: LocalTime(hour: 10, minute: 30), timeZone: nil, place: "Pain clinic"
            )
        )
        XCTAssertEqual(kept?.timeZone, "Europe/Paris")
        let d = try await thecal.dashboard()
        XCTAssertEqual(d.refillAppointment, kept)
        XCTAssertFalse(d.lowBeforeAppointment)
        XCTAssertTrue(d.dates.refillAppointment?.hasSuffix(", 10:30") ?? false, "\(String(describing: d.dates.refillAppointment))")
        // Booked in a year, in the clinic's own zone: the reservoir may run low first.
        _ = try await thecal.pumps().setRefillAppointment(
            appointment: RefillAppointmentInput(
                date: inDays(365), time: LocalTime(hour: 9, minute: 0), timeZone: "America/New_York", place: nil
            )
        )
        let later = try await thecal.dashboard()
        XCTAssertTrue(later.lowBeforeAppointment)
        // A time no clock shows is refused by its field.
        do {
            _ = try await thecal.pumps().setRefillAppointment(
                appointment: RefillAppointmentInput(
                    date: inDays(7), time: LocalTime(hour: 25, minute: 0), timeZone: nil, place: nil
                )
            )
            XCTFail("25:00 was kept")
        } catch let PumpError.InvalidInput(field, _) {
            XCTAssertEqual(field, "time")
        }
        let removed = try await thecal.pumps().setRefillAppointment(appointment: nil)
        XCTAssertNil(removed)
        let none = try await thecal.dashboard()
        XCTAssertNil(none.refillAppointment)
    }

    func testForecastDatesAreSaidAtThePrecisionTheRangeSupports() async throws {
        let thecal = try await open(timeZone: "Europe/London")
        let iso = ISO8601DateFormatter()
        let date = { (s: String) in iso.date(from: s)! }
        // Far ahead (the test runs after 2026): a range of a week, then of four months.
        let day = DateRange(
            expected: date("2036-03-12T12:00:00Z"), earliest: date("2036-03-10T12:00:00Z"),
            latest: date("2036-03-14T12:00:00Z"), levelPercent: 80, precision: .day, confidence: .high
        )
        XCTAssertEqual(thecal.describeDateRange(range: day), "around 12 March 2036 (between 10 and 14 March)")
        var month = day
        month.expected = date("2036-03-15T00:00:00Z")
        month.earliest = date("2036-01-14T00:00:00Z")
        month.latest = date("2036-05-15T00:00:00Z")
        month.precision = .month
        XCTAssertEqual(
            thecal.describeDateRange(range: month), "around March 2036 (between January and May 2036)")
    }

    func testARefillFarFromWhatThePumpExpectedIsFlaggedUntilDiscussed() async throws {
        let thecal = try await open()
        let pumps = thecal.pumps()
        try await pumps.register(info: Self.pump)
        let t0 = Date(timeIntervalSince1970: 1_769_940_000)  // 2026-02-01 10:00 UTC
        let fill = RefillEntry(
            at: t0, volumeBefore: Volume(microliters: 3_000), volumeAfter: Volume(microliters: 40_000),
            drug: .morphine, concentration: Concentration(microgramsPerMilliliter: 25_000),
            dailyDose: DailyDose(microgramsPerDay: 5_000), place: .clinic
        )
        _ = try await pumps.recordRefill(serial: Self.serial, entry: fill)
        // The clinic's printout 60 days later: the pump expected 28 mL, 36.5 mL came out.
        var later = fill
        later.at = t0.addingTimeInterval(60 * 86_400)
        later.volumeBefore = Volume(microliters: 36_500)
        later.expectedBefore = Volume(microliters: 28_000)
        _ = try await pumps.recordRefill(serial: Self.serial, entry: later)
        let flagged = try await thecal.dashboard().refillsToDiscuss
        XCTAssertEqual(flagged.count, 1)
        let check = try XCTUnwrap(flagged.first?.residualCheck)
        XCTAssertEqual(check.finding, .moreLeftThanExpected)
        XCTAssertEqual(check.differencePercent, 71)
        XCTAssertEqual(check.programmed, Volume(microliters: 12_000))
        let marked = try await pumps.markRefillDiscussed(refillId: flagged[0].id)
        XCTAssertTrue(marked)
        let after = try await thecal.dashboard().refillsToDiscuss
        XCTAssertTrue(after.isEmpty)
        let log = try await pumps.refillLog(serial: Self.serial, limit: 1)
        XCTAssertNotNil(log.first?.residualCheck?.discussedAt)
        let unknown = try await pumps.markRefillDiscussed(refillId: 9_999)
        XCTAssertFalse(unknown)
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
