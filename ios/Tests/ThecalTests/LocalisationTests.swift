import Foundation
import XCTest

import Thecal

/// Texts in the phone's language, as the iOS app reads them (issue 18).
final class LocalisationTests: ThecalTestCase {
    func testAlarmsAndRedFlagsFollowThePhonesLanguage() async throws {
        let thecal = try await open()
        XCTAssertEqual(thecal.language(), .english)
        // `Locale.preferredLanguages`, most preferred first: the first one Thecal speaks.
        XCTAssertEqual(thecal.setLanguages(preferred: ["nb-NO", "fr-CA", "en-US"]), .french)

        let alarm = thecal.alarmText(kind: .motorStall, priority: .high)
        XCTAssertEqual(alarm.name, "Moteur de la pompe arrêté")
        XCTAssertEqual(alarm.priority, "Haute")
        // The advice is a safety text no clinician has reviewed in French: the English, with a
        // note in French saying so.
        XCTAssertTrue(alarm.advice.hasPrefix("The pump may not be delivering medicine"), alarm.advice)
        XCTAssertTrue(alarm.note?.hasPrefix("Pas encore vérifié dans votre langue") ?? false)

        let recovery = thecal.recovery()
        XCTAssertEqual(recovery.assess(symptom: .fever, severity: .mild).label, "Fièvre ou frissons")
        let fever = try XCTUnwrap(recovery.redFlags().first { $0.sign.contains("Fever") })
        XCTAssertEqual(fever.sign, "Fever or chills")
        XCTAssertTrue(fever.note?.contains("Français") ?? false)

        // The home screen's own words by key, with arguments (plurals follow the language).
        XCTAssertEqual(thecal.text(key: "section-reservoir", args: [:]), "Réservoir")
        XCTAssertEqual(thecal.text(key: "age-days", args: ["n": "1"]), "1 jour")
        XCTAssertEqual(thecal.text(key: "age-days", args: ["n": "3"]), "3 jours")
        XCTAssertEqual(thecal.text(key: "no-such-key", args: [:]), "no-such-key")

        XCTAssertEqual(thecal.setLanguages(preferred: ["ar-EG"]), .arabic)
        let ar = thecal.alarmText(kind: .motorStall, priority: .high)
        XCTAssertEqual(ar.name, "توقف محرك المضخة")
        // Inside Arabic text the English advice is a bidi isolate: it keeps its order.
        XCTAssertTrue(ar.advice.hasPrefix("\u{2068}") && ar.advice.hasSuffix("\u{2069}"))

        // A language Thecal does not speak: English, whose advice no clinician has reviewed
        // either, and the note says so.
        XCTAssertEqual(thecal.setLanguages(preferred: ["ja-JP"]), .english)
        let en = thecal.alarmText(kind: .motorStall, priority: .high)
        XCTAssertEqual(en.name, "Pump motor stopped")
        XCTAssertEqual(en.note, "Not yet reviewed by a clinician.")
    }
}

/// The phone's language list, changed by a test as a user would in Settings.
private final class PreferredLanguages: @unchecked Sendable {
    private let lock = NSLock()
    private var value: [String]
    init(_ value: [String]) { self.value = value }
    func get() -> [String] { lock.lock(); defer { lock.unlock() }; return value }
    func set(_ v: [String]) { lock.lock(); value = v; lock.unlock() }
}

final class PhoneLanguageTests: ThecalTestCase {
    func testTheCoreFollowsThePhonesLanguageUntilTheObservationEnds() async throws {
        let thecal = try await open()
        let center = NotificationCenter()
        let phone = PreferredLanguages(["nb-NO", "de-AT", "en-US"])
        let observation = thecal.followPhoneLanguage(center: center, preferred: { phone.get() })
        XCTAssertEqual(thecal.language(), .german)
        XCTAssertEqual(thecal.alarmText(kind: .motorStall, priority: .high).name, "Pumpenmotor gestoppt")

        // The user switches the phone to Arabic: Foundation posts the change.
        phone.set(["ar-EG"])
        center.post(name: NSLocale.currentLocaleDidChangeNotification, object: nil)
        XCTAssertEqual(thecal.language(), .arabic)

        // Once the observation ends, a later change is no longer followed.
        observation.cancel()
        phone.set(["fr-FR"])
        center.post(name: NSLocale.currentLocaleDidChangeNotification, object: nil)
        XCTAssertEqual(thecal.language(), .arabic)
        XCTAssertEqual(thecal.applyPhoneLanguage(["fr-FR"]), .french)
    }
}
