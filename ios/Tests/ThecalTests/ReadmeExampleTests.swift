import Foundation
import XCTest

import Thecal

// README:swift
/// Live pump updates as an AsyncSequence: the current state first, then every change.
extension PumpLink {
    func events() -> AsyncStream<LinkEvent> {
        AsyncStream(bufferingPolicy: .unbounded) { continuation in
            let subscription = self.subscribe(listener: StreamListener(continuation))
            continuation.onTermination = { _ in subscription.cancel() }
        }
    }
}

final class StreamListener: LinkListener, @unchecked Sendable {
    private let continuation: AsyncStream<LinkEvent>.Continuation
    init(_ continuation: AsyncStream<LinkEvent>.Continuation) { self.continuation = continuation }
    func onEvent(event: LinkEvent) throws { continuation.yield(event) }
}

/// Opens Thecal, follows the pump through the app's BLE transport, and reads the home screen.
func homeScreen(dataDir: String, transport: BleTransport) async throws -> Dashboard {
    let thecal = try Thecal.open(dir: dataDir, config: ThecalConfig(timeZone: "Europe/Paris"))
    try thecal.link().start(transport: transport)
    // The current state comes first, then every change: wait until a reading is known.
    for await event in thecal.link().events() {
        if case .reading = event { break }
        if case let .snapshot(snapshot) = event, snapshot.latest != nil { break }
    }
    return try thecal.dashboard()  // reservoir, battery, alarms, forecasts, data age
}
// README:end

/// The README's Swift snippet, run against the in-process simulated pump.
final class ReadmeExampleTests: XCTestCase {
    func testTheReadmeSnippetWorks() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("thecal-readme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let pump = InProcessPump(seed: 9, kind: .implanted, start: Date(timeIntervalSince1970: 1_780_300_800))
        let home = try await homeScreen(dataDir: dir.path, transport: SimPumpTransport(pump: pump))
        XCTAssertEqual(home.pump?.serial, pump.serial())
        XCTAssertGreaterThan(try XCTUnwrap(home.reservoir).volume.microliters, 0)
    }
}
