import Foundation
import XCTest

import Thecal

/// Each error type the API throws, caught as the app would, with the sentence it shows.
final class ErrorTests: ThecalTestCase {
    func testOpenErrors() async throws {
        do {
            _ = try await open(timeZone: "Mars/Olympus_Mons")
            XCTFail("an unknown time zone was accepted")
        } catch let error as OpenError {
            assertReadsWell(error, startsWith: "The value for time_zone is not valid: it ")
            guard case let .invalidInput(field, _)? = error.commonFailure else {
                return XCTFail("not a common invalid input: \(error)")
            }
            XCTAssertEqual(field, "time_zone")
        }

        // A data folder that cannot be made (its parent is a file).
        let file = dir.appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: file)
        do {
            _ = try await Thecal.open(
                dir: file.appendingPathComponent("sub").path, config: ThecalConfig(timeZone: "UTC"),
                secrets: MemorySecretStore()
            )
            XCTFail("a folder under a file was opened")
        } catch let error as ThecalError {
            assertReadsWell(error, startsWith: "Thecal cannot use its data file right now (")
            guard case .storageUnavailable? = error.commonFailure else {
                return XCTFail("not storage unavailable: \(error)")
            }
        }
    }

    func testADamagedDataFileIsCommonAcrossAreas() async throws {
        let garbage = Data(repeating: 0x42, count: 4096)
        try garbage.write(to: dir.appendingPathComponent("thecal.sqlite3"))
        do {
            _ = try await open()
            XCTFail("a file that is not a database was opened")
        } catch let error as ThecalError {
            // Kept aside byte for byte, never overwritten; the next open starts afresh.
            let prefix = "it was kept aside as "
            guard case let .dataDamaged(what)? = error.commonFailure,
                what.hasPrefix(prefix + "damaged/thecal.sqlite3.")
            else {
                return XCTFail("not a damaged file kept aside: \(error)")
            }
            assertReadsWell(error, startsWith: "Thecal's data file is damaged (\(what)). Restore your latest backup")
            XCTAssertTrue(error is OpenError)
            let kept = dir.appendingPathComponent(String(what.dropFirst(prefix.count)))
            XCTAssertEqual(try Data(contentsOf: kept), garbage)
            _ = try await open()
            XCTAssertEqual(try Data(contentsOf: kept), garbage, "the file kept aside is left alone")
        }
    }

    func testANewerDataFileIsRefusedUntouched() async throws {
        do { _ = try await open() }  // created, then closed (the WAL is folded into the file)
        let path = dir.appendingPathComponent("thecal.sqlite3")
        var bytes = try Data(contentsOf: path)
        // SQLite keeps the schema version ("user_version") big-endian at byte 60 of the header.
        bytes.replaceSubrange(60..<64, with: [0, 0, 0x03, 0xE7])  // 999
        try bytes.write(to: path)
        do {
            _ = try await open()
            XCTFail("a file from a newer version was opened")
        } catch let OpenError.NewerVersion(found, supported) {
            XCTAssertEqual(found, 999)
            XCTAssertLessThan(supported, 999)
            let error = OpenError.NewerVersion(found: found, supported: supported)
            assertReadsWell(error, startsWith: "This data was saved by a newer version of Thecal (data version 999;")
            XCTAssertNil(error.commonFailure, "an error of its own")
        }
        let after = try Data(contentsOf: path)
        XCTAssertEqual(after, bytes, "nothing was changed")
    }

    func testPumpAndLinkErrors() async throws {
        let thecal = try await open()
        do {
            _ = try await thecal.pumps().recordRefill(
                serial: "NOPE-1",
                entry: RefillEntry(
                    at: Date(), volumeBefore: nil, volumeAfter: Volume(microliters: 20_000), drug: .morphine,
                    concentration: Concentration(microgramsPerMilliliter: 25_000),
                    dailyDose: DailyDose(microgramsPerDay: 5_000), place: .clinic
                )
            )
            XCTFail("a refill of an unknown pump was accepted")
        } catch let error as PumpError {
            XCTAssertEqual(error, .PumpNotPaired)
            assertReadsWell(error, startsWith: "This pump is not known to Thecal yet. Pair it first.")
            XCTAssertNil(error.commonFailure)
        }

        let link = thecal.link()
        do {
            try await link.dropLink()
            XCTFail("a stopped link was dropped")
        } catch let error as LinkError {
            XCTAssertEqual(error, .NotRunning)
            assertReadsWell(error, startsWith: "The pump link is not running. Start it first.")
        }

        /// A phone whose Bluetooth is off: the transport refuses to take events.
        final class Off: BleTransport {
            func name() -> String { "off" }
            func setEvents(events: TransportEvents) throws {
                throw TransportError.BluetoothUnavailable(reason: "Bluetooth is off")
            }
            func scan(serviceUuids: [String], timeoutMs: UInt32) async throws -> [Advertisement] { [] }
            func connect(deviceId: String) async throws {}
            func bond(deviceId: String) async throws -> Bool { false }
            func identity(deviceId: String) async throws -> String { deviceId }
            func disconnect(deviceId: String) async throws {}
            func read(deviceId: String, characteristic: String) async throws -> Data { Data() }
            func write(deviceId: String, characteristic: String, value: Data) async throws {}
            func subscribe(deviceId: String, characteristic: String) async throws {}
        }
        do {
            try await link.start(transport: Off())
            XCTFail("a link started over a transport that refused")
        } catch let LinkError.Transport(transportError) {
            XCTAssertEqual(transportError, .BluetoothUnavailable(reason: "Bluetooth is off"))
            let expected = "Bluetooth is not available (Bluetooth is off). Turn Bluetooth on and allow Thecal to use it."
            assertReadsWell(LinkError.Transport(transportError), startsWith: expected)
            assertReadsWell(transportError, startsWith: expected)
        }

        let pump = InProcessPump(seed: 2, kind: .implanted, start: Date(timeIntervalSince1970: 1_777_881_600))
        try await link.startWith(transport: SimPumpTransport(pump: pump), config: fastLink)
        do {
            try await link.startWith(transport: SimPumpTransport(pump: pump), config: fastLink)
            XCTFail("the link was started twice")
        } catch let error as LinkError {
            XCTAssertEqual(error, .AlreadyRunning)
            assertReadsWell(error, startsWith: "The pump link is already running.")
        }
        await link.stop()
    }

    func testDiaryAndRecoveryErrors() async throws {
        let thecal = try await open()
        do {
            try await thecal.diary().deletePain(id: 424_242, author: .patient)
            XCTFail("an unknown entry was deleted")
        } catch let error as DiaryError {
            XCTAssertEqual(error, .NotFound)
            assertReadsWell(error, startsWith: "This entry was not found.")
            XCTAssertNil(error.commonFailure)
        }
        do {
            _ = try await thecal.diary().addPain(
                input: PainInput(at: Date(), score: 11, inventory: nil, interference: nil, location: nil, note: nil),
                author: .patient
            )
            XCTFail("a score of 11 was accepted")
        } catch let error as ThecalError {
            XCTAssertTrue(error is DiaryError)
            assertReadsWell(error, startsWith: "The value for score is not valid: it ")
            guard case let .invalidInput(field, reason)? = error.commonFailure else {
                return XCTFail("not a common invalid input: \(error)")
            }
            XCTAssertEqual(field, "score")
            XCTAssertTrue(error.localizedDescription.contains(reason))
        }
        do {
            _ = try await thecal.recovery().setItemDone(key: "driver_home", done: true, author: .patient)
            XCTFail("a checklist item was ticked without a plan")
        } catch let error as RecoveryError {
            XCTAssertEqual(error, .NoPlan)
            assertReadsWell(error, startsWith: "No recovery plan has been started yet.")
        }
    }

    func testCardErrorsAndALockedKeyStore() async throws {
        let card = try await open(secrets: LockedSecretStore()).card()
        do {
            _ = try await card.views(languages: [.english])
            XCTFail("a card was shown before one was filled in")
        } catch let error as CardError {
            XCTAssertEqual(error, .NoCard)
            assertReadsWell(error, startsWith: "No ID card has been filled in yet.")
        }
        do {
            _ = try await card.createClinicKey(name: "Demo Pain Clinic")
            XCTFail("a clinic key was made with the key store locked")
        } catch let CardError.KeyStoreUnavailable(reason) {
            XCTAssertTrue(reason.contains("the phone is locked"), reason)
            assertReadsWell(
                CardError.KeyStoreUnavailable(reason: reason),
                startsWith: "The phone's secure key storage cannot be used now ("
            )
        }
        let keys = try await card.keys()
        XCTAssertEqual(keys, [], "no key without its private half in the key store")
    }

    func testTheAppsOwnErrorsReadWell() {
        assertReadsWell(
            SecretStoreError.Unavailable(reason: "locked"),
            startsWith: "The phone's secure key storage cannot be used now (locked)."
        )
        assertReadsWell(ListenerError.Failed(reason: "busy"), startsWith: "The app could not handle a pump update (busy).")
    }

    /// Every area reports the shared failures as the same `CommonFailure`, with the same sentence.
    func testTheCommonFailuresAreTheSameInEveryArea() {
        let cases: [(CommonFailure, [ThecalError])] = [
            (.storageFull, [
                OpenError.StorageFull, PumpError.StorageFull, LinkError.StorageFull,
                DiaryError.StorageFull, RecoveryError.StorageFull, CardError.StorageFull,
            ]),
            (.storageUnavailable(reason: "busy"), [
                OpenError.StorageUnavailable(reason: "busy"), PumpError.StorageUnavailable(reason: "busy"),
                LinkError.StorageUnavailable(reason: "busy"), DiaryError.StorageUnavailable(reason: "busy"),
                RecoveryError.StorageUnavailable(reason: "busy"), CardError.StorageUnavailable(reason: "busy"),
            ]),
            (.dataDamaged(what: "pain_entries"), [
                OpenError.DataDamaged(what: "pain_entries"), PumpError.DataDamaged(what: "pain_entries"),
                LinkError.DataDamaged(what: "pain_entries"), DiaryError.DataDamaged(what: "pain_entries"),
                RecoveryError.DataDamaged(what: "pain_entries"), CardError.DataDamaged(what: "pain_entries"),
            ]),
            (.invalidInput(field: "at", reason: "is in the future"), [
                OpenError.InvalidInput(field: "at", reason: "is in the future"),
                PumpError.InvalidInput(field: "at", reason: "is in the future"),
                LinkError.InvalidInput(field: "at", reason: "is in the future"),
                DiaryError.InvalidInput(field: "at", reason: "is in the future"),
                RecoveryError.InvalidInput(field: "at", reason: "is in the future"),
                CardError.InvalidInput(field: "at", reason: "is in the future"),
            ]),
            (.internalError(context: "a test"), [
                OpenError.Internal(context: "a test"), PumpError.Internal(context: "a test"),
                LinkError.Internal(context: "a test"), DiaryError.Internal(context: "a test"),
                RecoveryError.Internal(context: "a test"), CardError.Internal(context: "a test"),
            ]),
        ]
        for (failure, errors) in cases {
            XCTAssertEqual(errors.count, 6)
            for error in errors {
                XCTAssertEqual(error.commonFailure, failure, "\(type(of: error))")
                XCTAssertEqual(error.localizedDescription, errors[0].localizedDescription, "\(type(of: error))")
            }
        }
        XCTAssertTrue(OpenError.StorageFull.localizedDescription.hasPrefix("The phone's storage is full"))
        XCTAssertEqual(
            DiaryError.InvalidInput(field: "at", reason: "is in the future").localizedDescription,
            "The value for at is not valid: it is in the future."
        )
    }
}
