import Foundation
import XCTest

import Thecal

/// The pump profile's test vectors (tests/vectors/pump-profile-v1.json), decoded from Swift.
final class ProfileVectorTests: XCTestCase {
    private func vector(named name: String) throws -> [String: Any] {
        let file = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("tests/vectors/pump-profile-v1.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any]
        let vectors = try XCTUnwrap(json?["vectors"] as? [[String: Any]])
        return try XCTUnwrap(vectors.first { $0["name"] as? String == name }, "no vector named \(name)")
    }

    private func bytes(_ hex: String) -> Data {
        var data = Data()
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            data.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return data
    }

    private let receivedAt = Date(timeIntervalSince1970: 1_767_603_630)  // 2026-01-05 09:00:30 UTC

    func testAStatusVectorDecodesToItsStatedMeaning() throws {
        let v = try vector(named: "status: implanted 40 mL, morphine 25 mg/mL at 5 mg/day")
        let decoded = try XCTUnwrap(v["decoded"] as? [String: Any])
        let frame = try decodeStatusFrame(bytes: bytes(v["hex"] as! String), receivedAt: receivedAt)
        XCTAssertEqual(Int(frame.counter), decoded["counter"] as? Int)
        XCTAssertEqual(Int(frame.reading.reservoirVolume.microliters), decoded["reservoir_volume_ul"] as? Int)
        XCTAssertEqual(Int(frame.reading.reservoirCapacity.microliters), decoded["reservoir_capacity_ul"] as? Int)
        XCTAssertEqual(Int(frame.reading.dailyDose.microgramsPerDay), decoded["daily_dose_ug_per_day"] as? Int)
        XCTAssertEqual(Int(frame.reading.concentration.microgramsPerMilliliter), decoded["concentration_ug_per_ml"] as? Int)
        XCTAssertEqual(Int(frame.reading.battery.percent), decoded["battery_percent"] as? Int)
        XCTAssertEqual(frame.reading.pumpClock, ISO8601DateFormatter().date(from: decoded["pump_time"] as! String))
        XCTAssertEqual(frame.reading.mode, .continuous)
        XCTAssertEqual(frame.reading.drug, .morphine)
    }

    func testADamagedVectorIsATypedError() throws {
        let v = try vector(named: "status: a bit flipped in transit (bad CRC)")
        let expected = try XCTUnwrap(v["error"] as? [String: Any])
        do {
            _ = try decodeStatusFrame(bytes: bytes(v["hex"] as! String), receivedAt: receivedAt)
            XCTFail("a damaged frame must be refused")
        } catch let error as FrameError {
            guard case let .BadCrc(carried, computed) = error else { return XCTFail("not a bad CRC: \(error)") }
            XCTAssertEqual(Int(carried), expected["carried"] as? Int)
            XCTAssertEqual(Int(computed), expected["computed"] as? Int)
            assertReadsWell(error, startsWith: "The pump's message was damaged on the way (checksum mismatch).")
        }
    }
}
