import Foundation
import XCTest

import Thecal

/// The ID card as the iOS app sees it: build, sign, render (bytes), verify, MRI follow-up.
final class CardTests: ThecalTestCase {
    private func card() async throws -> Card {
        try await open().card()
    }

    static func sample() -> CardData {
        CardData(
            patientName: "Alex Example",
            device: CardDevice(
                name: "Thecal IT-40 programmable infusion pump",
                kind: .implanted,
                manufacturer: "Thecal Simulated Pumps",
                model: "SIM-IT40",
                serial: "SIM-0001",
                lot: "L2026-117",
                udi: nil
            ),
            implantDate: "2026-03-14",
            clinic: CardClinic(name: "Demo Pain Clinic", physician: "Dr Sam Rivera", phone: "+44 20 7946 0000"),
            drugs: [CardDrug(name: "Morphine", concentration: Concentration(microgramsPerMilliliter: 25_000))],
            catheter: "Intrathecal catheter, tip at T10",
            emergencyContact: CardContact(name: "Jo Example", phone: "+44 7700 900000"),
            mri: CardMri(
                status: .conditional(conditions: MriConditions(
                    staticFieldMt: [1_500, 3_000],
                    maxSpatialGradientMtPerM: 19_000,
                    maxWholeBodySarMwPerKg: 2_000
                )),
                steps: [.pumpMayStopDuringScan, .interrogatePumpAfter],
                protocolSource: nil
            )
        )
    }

    func testSignedCardVerifiesAndATamperedOneDoesNot() async throws {
        let card = try await card()
        try await card.save(card: Self.sample())
        let saved = try await card.get()
        XCTAssertEqual(saved, Self.sample())
        let key = try await card.createClinicKey(name: "Demo Pain Clinic")
        XCTAssertTrue(key.canSign)
        let signed = try await card.issue(keyId: key.keyId, validDays: 365)
        XCTAssertTrue(signed.text.hasPrefix("THECAL1:"))
        XCTAssertEqual(signed.expiresAt.timeIntervalSince(signed.issuedAt), 365 * 86_400, accuracy: 1e-6)

        let ok = try await card.verify(text: signed.text)
        XCTAssertEqual(ok.status, .valid)
        XCTAssertEqual(ok.card, Self.sample())
        XCTAssertEqual(ok.issuerName, "Demo Pain Clinic")

        var chars = Array(signed.text)
        let i = chars.count / 2
        chars[i] = chars[i] == "A" ? "B" : "A"
        let bad = try await card.verify(text: String(chars))
        XCTAssertNotEqual(bad.status, .valid)
        XCTAssertNil(bad.card, "no card from a tampered payload")
        let hello = try await card.verify(text: "hello")
        XCTAssertEqual(hello.status, .notACard)
    }

    func testTheClinicKeyLivesInTheAppsKeyStore() async throws {
        let secrets = MemorySecretStore()
        let card = try await open(secrets: secrets).card()
        try await card.save(card: Self.sample())
        let key = try await card.createClinicKey(name: "Demo Pain Clinic")
        XCTAssertEqual(secrets.names.count, 1, "the private key went to the Swift key store")
        XCTAssertTrue(secrets.names[0].hasSuffix(key.keyId), secrets.names[0])
        // Signing reads it back from there.
        let signed = try await card.issue(keyId: key.keyId, validDays: 30)
        let verdict = try await card.verify(text: signed.text)
        XCTAssertEqual(verdict.status, .valid)
    }

    func testRendersTextAndSvgBytesInTwoLanguages() async throws {
        let card = try await card()
        try await card.save(card: Self.sample())
        let key = try await card.createClinicKey(name: "Demo Pain Clinic")
        let signed = try await card.issue(keyId: key.keyId, validDays: 30)
        let text = String(decoding: try await card.render(languages: [.french, .english], format: .text, layout: .card), as: UTF8.self)
        XCTAssertTrue(text.contains("Carte de porteur d'implant"))
        XCTAssertTrue(text.contains("may set off metal detectors, like a pacemaker"))
        XCTAssertTrue(text.contains(signed.text))
        let svg = try await card.render(languages: [.arabic], format: .svg, layout: .phone)
        XCTAssertTrue(String(decoding: svg, as: UTF8.self).hasPrefix("<?xml"))
        let again = try await card.render(languages: [.arabic], format: .svg, layout: .phone)
        XCTAssertEqual(svg, again)
        // The phone library draws no PNG (the app renders the SVG or the views itself): the
        // format does not exist in its API, so no call can ask for one.
        let views = try await card.views(languages: [.arabic])
        XCTAssertTrue(views[0].rightToLeft)
        let mri = try XCTUnwrap(views[0].sections.first { $0.kind == .mri })
        XCTAssertEqual(mri.badge?.mri, .conditional)
    }

    func testBadFieldIsNamedAndNothingIsSaved() async throws {
        let card = try await card()
        var bad = Self.sample()
        bad.clinic.phone = "call me"
        do {
            try await card.save(card: bad)
            XCTFail("a card with a bad phone number was saved")
        } catch let CardError.InvalidInput(field, _) {
            XCTAssertEqual(field, "clinic.phone")
        }
        let saved = try await card.get()
        XCTAssertNil(saved)
    }

    func testAnMriScanLeavesAPumpCheckPending() async throws {
        let card = try await card()
        try await card.save(card: Self.sample())
        let scan = try await card.logMriScan(scannedAt: Date().addingTimeInterval(-3600))
        XCTAssertEqual(scan.followUp, .interrogatePump)
        let pending = try await card.pendingMriFollowUps()
        XCTAssertEqual(pending, [scan])
        let words = card.followUpText(action: .interrogatePump, language: .italian)
        XCTAssertEqual(words.title, "Dopo la RM")
        XCTAssertTrue(words.body.contains("interrogare"))
        let checked = try await card.markPumpChecked(scanId: scan.id)
        XCTAssertTrue(checked)
        let none = try await card.pendingMriFollowUps()
        XCTAssertEqual(none, [])
    }
}
