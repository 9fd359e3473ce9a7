import Foundation
import XCTest

import Thecal

/// Pain entry `i` of a test: a minute apart, going back from now.
private func pain(_ i: Int) -> PainInput {
    PainInput(
        at: DiaryTests.ago(Double(60 * (i + 1))), score: UInt8(i % 11), inventory: nil, interference: nil,
        location: nil, note: "entry \(i)"
    )
}

/// Many tasks on one `Thecal` at once, and tasks cancelled in the middle of their calls.
final class ConcurrencyTests: ThecalTestCase {
    func testFiftyConcurrentWritesAllLand() async throws {
        let thecal = try await open()
        let diary = thecal.diary()
        let written = try await withThrowingTaskGroup(of: PainEntry.self) { group in
            for i in 0..<50 {
                group.addTask { try await diary.addPain(input: pain(i), author: .patient) }
                // Reads interleaved with the writes, on other sub-API objects of the same app.
                if i % 10 == 0 {
                    group.addTask {
                        _ = try await thecal.dashboard()
                        return try await diary.addPain(input: pain(50 + i / 10), author: .caregiver)
                    }
                }
            }
            var entries: [PainEntry] = []
            for try await entry in group { entries.append(entry) }
            return entries
        }
        XCTAssertEqual(written.count, 55)
        XCTAssertEqual(Set(written.map(\.id)).count, 55, "every write got an id of its own")

        let stored = try await diary.painEntries(from: DiaryTests.ago(86_400), to: Date().addingTimeInterval(60))
        XCTAssertEqual(Set(stored.map(\.id)), Set(written.map(\.id)))
        XCTAssertEqual(Set(stored.compactMap(\.value.note)), Set((0..<55).map { "entry \($0)" }))
        XCTAssertEqual(stored.map(\.value.at), stored.map(\.value.at).sorted(), "oldest first")
    }

    func testACancelledTaskLeavesNothingHalfDone() async throws {
        let thecal = try await open()
        let diary = thecal.diary()
        let (reached, reachedSignal) = AsyncStream.makeStream(of: Int.self)
        let (gate, openGate) = AsyncStream.makeStream(of: Void.self)
        let task = Task { () -> [Int64] in
            var ids: [Int64] = []
            for i in 0..<100 {
                if i == 5 {
                    reachedSignal.yield(i)
                    var wait = gate.makeAsyncIterator()
                    _ = await wait.next()  // held here until the test has cancelled the task
                }
                // Swift does not cancel a call into the core: a call made from a cancelled task
                // completes, whole, and returns its result.
                ids.append(try await diary.addPain(input: pain(i), author: .patient).id)
                if Task.isCancelled { break }
            }
            return ids
        }
        _ = try await withDeadline("the task to write five entries") {
            var iterator = reached.makeAsyncIterator()
            return await iterator.next()
        }
        task.cancel()
        openGate.yield()
        let ids = try await task.value
        XCTAssertEqual(ids.count, 6, "five before the cancellation, one made from the cancelled task")

        let stored = try await diary.painEntries(from: DiaryTests.ago(86_400), to: Date().addingTimeInterval(60))
        XCTAssertEqual(Set(stored.map(\.id)), Set(ids), "what the task wrote, and nothing else")
        for id in ids {
            let history = try await diary.painHistory(id: id)
            XCTAssertEqual(history.map(\.change.action), [.created], "entry \(id) is whole")
        }

        // The app goes on: writes and a live stream work as before.
        _ = try await diary.addPain(input: pain(99), author: .patient)
        let after = try await diary.painEntries(from: DiaryTests.ago(86_400), to: Date().addingTimeInterval(60))
        XCTAssertEqual(after.count, 7)
        let first = try await withDeadline("the dashboard") { () -> Dashboard? in
            for try await dashboard in thecal.dashboardUpdates() { return dashboard }
            return nil
        }
        XCTAssertNotNil(first)
        XCTAssertEqual(thecal.dashboardWatcherCount(), 0)
    }
}
