import Foundation
import XCTest

import Thecal

/// The ID card as the iOS app sees it: build, sign, render (bytes), verify, MRI follow-up.
final class CardTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("thecal-swift-card-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    private func card() throws -> Card {
        try Thecal.open(dir: dir.path, config: ThecalConfig(timeZone: "Europe/Paris")).card()
    }

    private static func sample() -> CardData {
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

    func testSignedCardVerifiesAndATamperedOneDoesNot() throws {
        let card = try card()
        try card.save(card: Self.sample())
        XCTAssertEqual(try card.get(), Self.sample())
        let key = try card.createClinicKey(name: "Demo Pain Clinic")
        XCTAssertTrue(key.canSign)
        let signed = try card.issue(keyId: key.keyId, validDays: 365)
        XCTAssertTrue(signed.text.hasPrefix("THECAL1:"))
        XCTAssertEqual(signed.expiresAt.timeIntervalSince(signed.issuedAt), 365 * 86_400, accuracy: 1e-6)

        let ok = try card.verify(text: signed.text)
        XCTAssertEqual(ok.status, .valid)
        XCTAssertEqual(ok.card, Self.sample())
        XCTAssertEqual(ok.issuerName, "Demo Pain Clinic")

        var chars = Array(signed.text)
        let i = chars.count / 2
        chars[i] = chars[i] == "A" ? "B" : "A"
        let bad = try card.verify(text: String(chars))
        XCTAssertNotEqual(bad.status, .valid)
        XCTAssertNil(bad.card, "no card from a tampered payload")
        XCTAssertEqual(try card.verify(text: "hello").status, .notACard)
    }

    func testRendersTextAndSvgBytesInTwoLanguages() throws {
        let card = try card()
        try card.save(card: Self.sample())
        let key = try card.createClinicKey(name: "Demo Pain Clinic")
        let signed = try card.issue(keyId: key.keyId, validDays: 30)
        let text = String(decoding: try card.render(languages: [.french, .english], format: .text, layout: .card), as: UTF8.self)
        XCTAssertTrue(text.contains("Carte de porteur d'implant"))
        XCTAssertTrue(text.contains("may set off metal detectors, like a pacemaker"))
        XCTAssertTrue(text.contains(signed.text))
        let svg = try card.render(languages: [.arabic], format: .svg, layout: .phone)
        XCTAssertTrue(String(decoding: svg, as: UTF8.self).hasPrefix("<?xml"))
        XCTAssertEqual(svg, try card.render(languages: [.arabic], format: .svg, layout: .phone))
        // The phone library draws no PNG (the app renders the SVG or the views itself): the
        // format does not exist in its API, so no call can ask for one.
        let views = try card.views(languages: [.arabic])
        XCTAssertTrue(views[0].rightToLeft)
        let mri = try XCTUnwrap(views[0].sections.first { $0.kind == .mri })
        XCTAssertEqual(mri.badge?.mri, .conditional)
    }

    func testBadFieldIsNamedAndNothingIsSaved() throws {
        let card = try card()
        var bad = Self.sample()
        bad.clinic.phone = "call me"
        do {
            try card.save(card: bad)
            XCTFail("a card with a bad phone number was saved")
        } catch let CardError.InvalidInput(field, _) {
            XCTAssertEqual(field, "clinic.phone")
        }
        XCTAssertNil(try card.get())
    }

    func testAnMriScanLeavesAPumpCheckPending() throws {
        let card = try card()
        try card.save(card: Self.sample())
        let scan = try card.logMriScan(scannedAt: Date().addingTimeInterval(-3600))
        XCTAssertEqual(scan.followUp, .interrogatePump)
        XCTAssertEqual(try card.pendingMriFollowUps(), [scan])
        let words = card.followUpText(action: .interrogatePump, language: .italian)
        XCTAssertEqual(words.title, "Dopo la RM")
        XCTAssertTrue(words.body.contains("interrogare"))
        XCTAssertTrue(try card.markPumpChecked(scanId: scan.id))
        XCTAssertEqual(try card.pendingMriFollowUps(), [])
    }
}
