import Foundation
import XCTest

import Thecal

// README:swift
/// Opens Thecal, pairs the pump the patient picks among those nearby (with the serial they
/// confirm from the clinic's printout or ID card), follows it through the app's BLE transport
/// and returns the first home screen that shows a reading. In the app, `secrets` is
/// `KeychainSecretStore()`. A wrong serial throws `LinkError.PumpMismatch`: nothing is paired.
func homeScreen(
    dataDir: String, transport: BleTransport, secrets: SecretStore,
    pick: ([DiscoveredPump]) -> DiscoveredPump?, serial: String
) async throws -> Dashboard {
    let thecal = try await Thecal.open(
        dir: dataDir, config: ThecalConfig(timeZone: "Europe/Paris"), secrets: secrets
    )
    thecal.applyPhoneLanguage()  // texts in the phone's language; followPhoneLanguage() keeps up
    let link = thecal.link()
    try await link.start(transport: transport)
    guard let pump = pick(try await link.discover(timeoutMs: 5_000)) else { throw CancellationError() }
    _ = try await link.pair(device: pump, expectedSerial: serial)  // once; the link follows it alone
    // The dashboard at once, then again whenever anything it shows changes. Leaving the loop
    // (or cancelling the task) stops the watch.
    for try await dashboard in thecal.dashboardUpdates() where dashboard.reservoir != nil {
        return dashboard  // reservoir, battery, alarms, forecasts, data age
    }
    throw CancellationError()
}

/// Shows each pump alarm as it comes, until the task is cancelled.
func showAlarms(of thecal: Thecal, _ show: (PumpAlarm) -> Void) async throws {
    for try await event in thecal.link().events {  // the current state first, then every change
        if case let .alarm(alarm) = event { show(alarm) }
    }
}

/// Saves a pain score; on failure, the sentence to show (errors read the same in every area).
func savePain(_ score: UInt8, in thecal: Thecal) async -> String? {
    let input = PainInput(at: Date(), score: score, inventory: nil, interference: nil, location: nil, note: nil)
    do {
        _ = try await thecal.diary().addPain(input: input, author: .patient)
        return nil
    } catch let error as ThecalError {
        if case let .invalidInput(field, _)? = error.commonFailure { return "\(field): \(error.localizedDescription)" }
        return error.localizedDescription  // storage full, data damaged... what the person can do
    } catch {
        return error.localizedDescription
    }
}
// README:end

/// The README's Swift snippet, run against the in-process simulated pump.
final class ReadmeExampleTests: ThecalTestCase {
    private static let start = Date(timeIntervalSince1970: 1_780_300_800)

    func testTheHomeScreenShowsThePump() async throws {
        let pump = InProcessPump(seed: 9, kind: .implanted, start: Self.start)
        let transport = SimPumpTransport(pump: pump)
        let dir = self.dir.path
        let id = pump.deviceId()
        let ours: @Sendable ([DiscoveredPump]) -> DiscoveredPump? = { nearby in nearby.first { $0.deviceId == id } }
        let elsewhere = self.dir.appendingPathComponent("wrong-serial")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        do {
            _ = try await homeScreen(
                dataDir: elsewhere.path, transport: SimPumpTransport(pump: pump), secrets: MemorySecretStore(),
                pick: ours, serial: "SIM-IT-999999"
            )
            XCTFail("paired with a wrong serial")
        } catch let error as LinkError {
            XCTAssertEqual(error, .PumpMismatch(what: "serial"))
            XCTAssertTrue(error.localizedDescription.hasPrefix("This pump's serial does not match the one you entered."))
        }
        let home = try await withDeadline("the home screen") {
            try await homeScreen(
                dataDir: dir, transport: transport, secrets: MemorySecretStore(), pick: ours, serial: pump.serial()
            )
        }
        XCTAssertEqual(home.pump?.serial, pump.serial())
        XCTAssertGreaterThan(try XCTUnwrap(home.reservoir).volume.microliters, 0)
    }

    func testAlarmsAreShownAsTheyCome() async throws {
        let thecal = try await open()
        let link = thecal.link()
        let pump = InProcessPump(seed: 10, kind: .implanted, start: Self.start)
        let transport = SimPumpTransport(pump: pump)
        let (shown, show) = AsyncStream.makeStream(of: PumpAlarm.self)
        let task = Task { try await showAlarms(of: thecal) { show.yield($0) } }
        let alarm = try await withDeadline("the alarm on the screen") { () -> PumpAlarm? in
            // showAlarms listens once the core counts its listener (a few turns of the task).
            while link.subscriberCount() == 0 { await Task.yield() }
            var events = link.events.makeAsyncIterator()
            _ = try await events.next()  // the current state: this loop listens too
            try await link.startWith(transport: transport, config: fastLink)
            try await link.pairWith(pump)
            while let e = try await events.next() {
                if case .stateChanged(state: .connected) = e { break }
            }
            transport.deliver(pump.raiseAlarm(kind: .motorStall))
            var screen = shown.makeAsyncIterator()
            while let alarm = await screen.next() {
                if alarm.kind == .motorStall { return alarm }
            }
            return nil
        }
        XCTAssertEqual(alarm?.kind, .motorStall)
        task.cancel()
        try await task.value
        XCTAssertEqual(link.subscriberCount(), 0)
        await link.stop()
    }

    func testAFailedSaveGivesTheSentenceToShow() async throws {
        let thecal = try await open()
        let saved = await savePain(5, in: thecal)
        XCTAssertNil(saved)
        let refused = await savePain(11, in: thecal)
        XCTAssertTrue(refused?.hasPrefix("score: The value for score is not valid: it ") ?? false, refused ?? "nil")
    }
}
