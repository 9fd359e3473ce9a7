import Foundation
import XCTest

import Thecal

/// A key store in memory: what the Keychain is to the app, for the tests.
final class MemorySecretStore: SecretStore, @unchecked Sendable {
    private let lock = NSLock()
    private var secrets: [String: Data] = [:]

    /// The names it holds, sorted.
    var names: [String] { locked { secrets.keys.sorted() } }

    func load(name: String) throws -> Data? { locked { secrets[name] } }

    func save(name: String, secret: Data) throws { locked { secrets[name] = secret } }

    func delete(name: String) throws { locked { _ = secrets.removeValue(forKey: name) } }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}

/// A key store that refuses everything, as the Keychain does before the first unlock.
final class LockedSecretStore: SecretStore {
    func load(name: String) throws -> Data? { throw SecretStoreError.Unavailable(reason: "the phone is locked") }

    func save(name: String, secret: Data) throws { throw SecretStoreError.Unavailable(reason: "the phone is locked") }

    func delete(name: String) throws { throw SecretStoreError.Unavailable(reason: "the phone is locked") }
}

/// An implanted 40 mL pump, as the tests register it.
func implantedPump(serial: String) -> DeviceInfo {
    DeviceInfo(
        manufacturer: "Acme", model: "IT-40", serial: serial, firmwareRevision: "1.0", hardwareRevision: nil,
        kind: .implanted, reservoirKind: .implantedChamber, reservoirCapacity: Volume(microliters: 40_000)
    )
}

/// 20 mL of 20 mg/mL morphine at 4 mg/day in a 40 mL pump, battery at 80 %, taken at `at`.
func halfFullReading(at: Date) -> StatusReading {
    StatusReading(
        takenAt: at, pumpClock: at, reservoirVolume: Volume(microliters: 20_000),
        reservoirCapacity: Volume(microliters: 40_000), mode: .continuous,
        dailyDose: DailyDose(microgramsPerDay: 4_000), drug: .morphine,
        concentration: Concentration(microgramsPerMilliliter: 20_000),
        battery: BatteryStatus(percent: 80, indicator: .normal)
    )
}

/// Link settings for tests: reconnect within milliseconds, short scans.
let fastLink = LinkConfig(
    backoff: BackoffConfig(initial: 0.001, max: 0.02),
    scanTimeout: 0.1
)

/// A fresh data folder, removed by `tearDown`.
class ThecalTestCase: XCTestCase {
    private(set) var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("thecal-swift-\(type(of: self))-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    /// Opens Thecal in this test's folder with an in-memory key store.
    func open(timeZone: String = "Europe/Paris", secrets: SecretStore = MemorySecretStore()) async throws -> Thecal {
        try await Thecal.open(dir: dir.path, config: ThecalConfig(timeZone: timeZone), secrets: secrets)
    }
}

/// Runs `body`, failing the test if it takes longer than `seconds` (a hang becomes a failure
/// with a message instead of a stuck run; no test waits on it for timing). On the deadline the
/// body's task is cancelled, which ends any `for await` loop in it.
func withDeadline<T: Sendable>(
    _ what: String,
    seconds: Double = 20,
    file: StaticString = #filePath,
    line: UInt = #line,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            XCTFail("timed out after \(seconds) s waiting for \(what)", file: file, line: line)
            throw CancellationError()
        }
        return value
    }
}

/// The checks every error shares: `localizedDescription`, `description` and string
/// interpolation all give the core's sentence (not a dump of the case), which starts with `start`.
func assertReadsWell(
    _ error: any Error, startsWith start: String, file: StaticString = #filePath, line: UInt = #line
) {
    let text = error.localizedDescription
    XCTAssertTrue(text.hasPrefix(start), "got: \(text)", file: file, line: line)
    XCTAssertEqual(String(describing: error), text, file: file, line: line)
    XCTAssertEqual("\(error)", text, file: file, line: line)
    XCTAssertFalse(text.contains("Error."), "a case dump, not a sentence: \(text)", file: file, line: line)
}

/// The ids a pairing gives each phone: the caregiver's on the patient's, the patient's on hers.
struct PairedIds {
    let caregiver: String
    let patient: String
}

/// Pairs the patient's `pc` and a caregiver's `cc` through `relay` by QR code, confirmed on both
/// phones (the patient is "Mum" on the caregiver's).
func pairConfirmed(_ pc: Caregivers, _ cc: Caregivers, relay: String) async throws -> PairedIds {
    let invitation = try await pc.invite(relayUrl: relay)
    let mum = try await cc.acceptInvitation(text: invitation.qrText, relayHost: nil, patientName: "Mum")
    let hello = try await pc.readMailbox(waitSeconds: 0)
    let anna = try XCTUnwrap(hello.paired.first)
    _ = try await pc.confirm(id: anna)
    _ = try await cc.confirm(id: mum.id)
    return PairedIds(caregiver: anna, patient: mum.id)
}
