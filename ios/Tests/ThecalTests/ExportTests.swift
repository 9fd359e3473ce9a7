import Foundation
import XCTest

import Thecal

/// The FHIR export and the backups as the iOS app sees them, against the real Rust library:
/// files the app hands to the share sheet (or picks from Files), and their typed errors. (The
/// FHIR import is for the Rust tools, not in the phone library: a phone moves its data with a
/// backup.)
final class ExportTests: ThecalTestCase {
    /// A time a little before now, whole milliseconds (as the store keeps it).
    static func ago(_ seconds: Double) -> Date {
        Date(timeIntervalSince1970: ((Date().timeIntervalSince1970 - seconds) * 1000).rounded() / 1000)
    }

    /// A Thecal of its own in a subfolder of the test's folder.
    func openApp(_ name: String) async throws -> Thecal {
        let sub = dir.appendingPathComponent(name).path
        return try await Thecal.open(dir: sub, config: ThecalConfig(timeZone: "Europe/Paris"), secrets: MemorySecretStore())
    }

    /// An app with three pain scores and a breakthrough dose.
    func seeded(_ name: String) async throws -> Thecal {
        let thecal = try await openApp(name)
        for (k, score) in [6, 4, 7].enumerated() {
            _ = try await thecal.diary().addPain(
                input: PainInput(at: Self.ago(Double(3600 * (k + 1))), score: UInt8(score), inventory: nil,
                                 interference: nil, location: "lower back", note: nil),
                author: .patient)
        }
        _ = try await thecal.diary().addMedication(
            input: MedicationInput(at: Self.ago(1800), drug: "Oxycodone", dose: 5, unit: .milligram,
                                   route: .oral, breakthrough: true, reason: nil),
            author: .patient)
        return thecal
    }

    func testTheFhirBundleIsAFileWithEveryEntry() async throws {
        let source = try await seeded("source")
        let file = dir.appendingPathComponent("thecal-fhir.json")
        let written = try await source.export().writeFhirBundle(path: file.path)
        XCTAssertEqual(written.painEntries, 3)
        XCTAssertEqual(written.medicationEntries, 1)
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any]
        XCTAssertEqual(object?["resourceType"] as? String, "Bundle")
        XCTAssertEqual(object?["type"] as? String, "collection")
        let resources = (object?["entry"] as? [[String: Any]] ?? []).compactMap { $0["resource"] as? [String: Any] }
        let observations = resources.filter { $0["resourceType"] as? String == "Observation" }
        XCTAssertEqual(observations.count, 3)
        let json = try String(contentsOf: file, encoding: .utf8)
        XCTAssertTrue(json.contains("\"72514-3\""), "the pain score is LOINC 72514-3")
        // A folder that does not exist: the export's own typed error.
        do {
            _ = try await source.export().writeFhirBundle(path: dir.appendingPathComponent("missing/b.json").path)
            XCTFail("a file in a missing folder cannot be written")
        } catch let error as ExportError {
            guard case .FileUnavailable = error else { return XCTFail("\(error)") }
            XCTAssertNil(error.commonFailure)
        }
    }

    func testTheClinicianReportIsAPdfAndABadLanguageIsATypedError() async throws {
        let source = try await seeded("source")
        let file = dir.appendingPathComponent("thecal-report.pdf")
        let made = try await source.export().writeReport(path: file.path, from: nil, to: nil, lang: "fr", paper: .a4)
        let data = try Data(contentsOf: file)
        XCTAssertEqual(String(decoding: data.prefix(5), as: UTF8.self), "%PDF-")
        XCTAssertGreaterThan(data.count, 20_000, "a report with its font is not trivial")
        XCTAssertEqual(made.bytes, UInt64(data.count))
        XCTAssertGreaterThanOrEqual(made.pages, 1)
        do {
            _ = try await source.export().writeReport(path: dir.appendingPathComponent("ar.pdf").path, from: nil,
                                                      to: nil, lang: "ar", paper: .a4)
            XCTFail("Arabic is not a language the report is written in")
        } catch let error as ExportError {
            guard case .InvalidInput(let field, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "lang")
        }
    }

    func testABackupRestoresAndAWrongPassphraseIsATypedError() async throws {
        let source = try await seeded("source")
        let file = dir.appendingPathComponent("thecal-backup.age")
        let made = try await source.export().createBackup(path: file.path, passphrase: "a long passphrase")
        XCTAssertGreaterThan(made.fileBytes, 0)
        let head = try Data(contentsOf: file).prefix(21)
        XCTAssertEqual(String(decoding: head, as: UTF8.self), "age-encryption.org/v1")

        let target = try await openApp("target")
        do {
            _ = try await target.export().restoreBackup(path: file.path, passphrase: "not the passphrase")
            XCTFail("a wrong passphrase must be refused")
        } catch let error as BackupError {
            guard case .WrongPassphrase = error else { return XCTFail("\(error)") }
            XCTAssertNil(error.commonFailure, "a backup's own case")
            XCTAssertTrue(error.localizedDescription.contains("your data is unchanged"))
        }
        let restored = try await target.export().restoreBackup(path: file.path, passphrase: "a long passphrase")
        XCTAssertEqual(restored.totalRows, made.totalRows)
        let from = Self.ago(86_400)
        let a = try await source.diary().painEntries(from: from, to: Date())
        let b = try await target.diary().painEntries(from: from, to: Date())
        XCTAssertEqual(a, b)

        // A short passphrase is refused before anything is written.
        do {
            _ = try await source.export().createBackup(path: dir.appendingPathComponent("short.age").path, passphrase: "short")
            XCTFail("a short passphrase must be refused")
        } catch let error as BackupError {
            guard case let .invalidInput(field, _)? = error.commonFailure else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "passphrase")
        }
    }
}
