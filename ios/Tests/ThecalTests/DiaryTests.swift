import Foundation
import XCTest

import Thecal

/// The diary and the recovery plan as the iOS app sees them, against the real Rust library.
final class DiaryTests: ThecalTestCase {
    private static let zone = TimeZone(identifier: "Europe/Paris")!

    /// The local date `days` from today in Paris.
    static func date(_ days: Int) -> CalendarDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let d = calendar.date(byAdding: .day, value: days, to: Date())!
        let c = calendar.dateComponents([.year, .month, .day], from: d)
        return CalendarDate(year: Int32(c.year!), month: UInt8(c.month!), day: UInt8(c.day!))
    }

    /// A time a little before now, whole milliseconds (as the store keeps it).
    static func ago(_ seconds: Double) -> Date {
        Date(timeIntervalSince1970: ((Date().timeIntervalSince1970 - seconds) * 1000).rounded() / 1000)
    }

    static func pain(_ at: Date, _ score: UInt8) -> PainInput {
        PainInput(at: at, score: score, inventory: nil, interference: nil, location: nil, note: nil)
    }

    static func oxycodone(_ at: Date) -> MedicationInput {
        MedicationInput(
            at: at, drug: "Oxycodone", dose: 5, unit: .milligram, route: .oral,
            breakthrough: true, reason: "flare after a walk"
        )
    }

    func testEntryComesBackWithItsZone() async throws {
        let diary = try await open(timeZone: Self.zone.identifier).diary()
        var input = Self.pain(Self.ago(3600), 6)
        input.inventory = PainInventory(worst: 8, least: 3, average: 5, now: 6)
        input.location = "lower back"
        let e = try await diary.addPain(input: input, author: .patient)
        XCTAssertEqual(e.timeZone, "Europe/Paris")
        XCTAssertEqual(e.value.score, 6)
        XCTAssertEqual(e.value.inventory, input.inventory)
        XCTAssertEqual(e.value.location, "lower back")
        let listed = try await diary.painEntries(from: Self.ago(7200), to: Date().addingTimeInterval(60))
        XCTAssertEqual(listed.map(\.id), [e.id])
    }

    func testEditKeepsHistoryOfWhoChangedWhat() async throws {
        let diary = try await open(timeZone: Self.zone.identifier).diary()
        let e = try await diary.addPain(input: Self.pain(Self.ago(600), 7), author: .patient)
        var changed = e.value
        changed.score = 5
        changed.note = "eased"
        let edited = try await diary.editPain(id: e.id, input: changed, author: .caregiver)
        XCTAssertEqual(edited.value.score, 5)
        let history = try await diary.painHistory(id: e.id)
        XCTAssertEqual(history.map(\.change.action), [.created, .edited])
        XCTAssertEqual(history[1].change.author, .caregiver)
        XCTAssertEqual(history[1].change.changedFields, ["note", "score"])
        XCTAssertEqual(history[0].value.score, 7)

        try await diary.deletePain(id: e.id, author: .patient)
        let listed = try await diary.painEntries(from: Self.ago(86400), to: Date().addingTimeInterval(60))
        XCTAssertEqual(listed, [])
        let restored = try await diary.restorePain(id: e.id, author: .patient)
        XCTAssertEqual(restored.value.score, 5)
    }

    func testInvalidInputIsATypedErrorNamingTheField() async throws {
        let diary = try await open(timeZone: Self.zone.identifier).diary()
        do {
            _ = try await diary.addPain(input: Self.pain(Date(), 11), author: .patient)
            XCTFail("a score of 11 was accepted")
        } catch let DiaryError.InvalidInput(field, _) {
            XCTAssertEqual(field, "score")
        }
        do {
            _ = try await diary.addPain(input: Self.pain(Date().addingTimeInterval(7200), 3), author: .patient)
            XCTFail("a time in the future was accepted")
        } catch let DiaryError.InvalidInput(field, _) {
            XCTAssertEqual(field, "at")
        }
        var noName = Self.oxycodone(Date())
        noName.drug = " "
        do {
            _ = try await diary.addMedication(input: noName, author: .patient)
            XCTFail("an empty medication name was accepted")
        } catch let DiaryError.InvalidInput(field, _) {
            XCTAssertEqual(field, "drug")
        }
    }

    func testTrendCountsPainAndBreakthroughDoses() async throws {
        let diary = try await open(timeZone: Self.zone.identifier).diary()
        _ = try await diary.addPain(input: Self.pain(Self.ago(60), 4), author: .patient)
        _ = try await diary.addPain(input: Self.pain(Self.ago(120), 8), author: .patient)
        let dose = try await diary.addMedication(input: Self.oxycodone(Self.ago(180)), author: .patient)
        _ = try await diary.repeatMedication(id: dose.id, at: Self.ago(30), author: .patient)

        let daily = try await diary.trend(from: Self.date(-2), to: Self.date(0), period: .day)
        XCTAssertEqual(daily.buckets.count, 3)
        XCTAssertEqual(daily.buckets[0].firstDay, Self.date(-2))
        let summary = try await diary.summary(from: Self.date(-2), to: Self.date(0))
        let pain = try XCTUnwrap(summary.pain)
        XCTAssertEqual(pain.count, 2)
        XCTAssertEqual(pain.min, 4)
        XCTAssertEqual(pain.max, 8)
        XCTAssertEqual(pain.mean, 6, accuracy: 1e-9)
        XCTAssertEqual(summary.breakthroughDoses, 2)
        XCTAssertEqual(summary.medication.first?.total ?? 0, 10, accuracy: 1e-9)
        do {
            _ = try await diary.trend(from: Self.date(0), to: Self.date(-2), period: .week)
            XCTFail("a range ending before it starts was accepted")
        } catch let DiaryError.InvalidInput(field, _) {
            XCTAssertEqual(field, "to")
        }
    }

    func testRecoveryChecklistRemindersAndGuidance() async throws {
        let recovery = try await open(timeZone: Self.zone.identifier).recovery()
        let noPlan = try await recovery.plan()
        XCTAssertNil(noPlan)
        do {
            _ = try await recovery.setItemDone(key: "driver_home", done: true, author: .patient)
            XCTFail("a checklist item was ticked without a plan")
        } catch RecoveryError.NoPlan {
            // expected
        }
        let plan = try await recovery.startPlan(implantDate: Self.date(0), drug: .morphine)
        XCTAssertTrue((0...1).contains(plan.day))
        let wound = try XCTUnwrap(plan.items.first { $0.key == "wound_check" })
        XCTAssertEqual(wound.fromDate, Self.date(3))
        XCTAssertEqual(wound.toDate, Self.date(5))
        let ticked = try await recovery.setItemDone(key: "driver_home", done: true, author: .caregiver)
        XCTAssertEqual(ticked.items.first { $0.key == "driver_home" }?.doneBy, .caregiver)

        let reminder = try await recovery.addReminder(input: ReminderInput(
            title: "Antibiotic", time: LocalTime(hour: 8, minute: 0),
            firstDate: Self.date(1), lastDate: Self.date(7), zone: .followDevice
        ))
        let upcoming = try await recovery.upcomingReminders(deviceZone: "America/New_York", hours: 72)
        XCTAssertTrue(upcoming.contains { $0.reminderId == reminder.id })

        let fever = try await recovery.logSymptom(
            input: SymptomInput(at: Self.ago(60), symptom: .fever, severity: .mild, note: nil),
            author: .patient
        )
        XCTAssertEqual(fever.guidance.level, .callClinic)
        XCTAssertTrue(fever.guidance.instruction.contains("Call your clinic now"))
        XCTAssertEqual(recovery.assess(symptom: .slowedBreathing, severity: .mild).level, .emergency)
        XCTAssertTrue(recovery.redFlags().contains { $0.level == .emergency })
        XCTAssertEqual(recovery.withdrawalGuidance(drug: .baclofen).group, "baclofen")
    }
}
