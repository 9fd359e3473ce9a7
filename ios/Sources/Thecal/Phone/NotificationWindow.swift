import Foundation

/// How a planned notification interrupts, as `UNNotificationInterruptionLevel` says it.
public enum InterruptionLevel: Sendable, Equatable {
    /// Shown at once, breaks through Focus (the app's Time Sensitive capability).
    case timeSensitive
    /// The default.
    case active
}

/// The pending-notification limit of iOS and which of the core's plan fits in it.
///
/// iOS keeps at most 64 pending local notification requests per app and silently drops the
/// rest, so the app schedules a window of the plan: the most important first (the core's plan is
/// ordered by importance, then time), and plans again when the app runs (launch, background
/// refresh, a pump reading) so the window moves on.
public enum NotificationWindow {
    /// iOS's limit of pending requests per app.
    public static let pendingLimit = 64

    private static func rank(_ i: NotificationImportance) -> Int {
        switch i {
        case .urgent: return 0
        case .high: return 1
        case .normal: return 2
        }
    }

    /// The notifications to keep pending: at most `limit - reserved` of `plan`, the most
    /// important kept (then the soonest), returned soonest first. `reserved` leaves room for
    /// requests the app adds itself.
    public static func select(
        _ plan: [PlannedNotification], limit: Int = pendingLimit, reserved: Int = 0
    ) -> [PlannedNotification] {
        let room = max(0, limit - reserved)
        let ordered = plan.sorted {
            (rank($0.importance), $0.fireAt, $0.id) < (rank($1.importance), $1.fireAt, $1.id)
        }
        var seen = Set<String>()
        let unique = ordered.filter { seen.insert($0.id).inserted }
        return Array(unique.prefix(room)).sorted { ($0.fireAt, $0.id) < ($1.fireAt, $1.id) }
    }

    /// What to change in the pending requests (`pending`: identifier → fire date) to hold the
    /// window of `plan`: identifiers to remove, and requests to add (a new one, or one whose time
    /// moved: adding a request with an existing identifier replaces it).
    public static func changes(
        plan: [PlannedNotification], pending: [String: Date], limit: Int = pendingLimit
    ) -> (remove: [String], add: [PlannedNotification]) {
        let keep = select(plan, limit: limit)
        let ids = Set(keep.map(\.id))
        let remove = pending.keys.filter { !ids.contains($0) }.sorted()
        let add = keep.filter { pending[$0.id] != $0.fireAt }
        return (remove, add)
    }

    /// The interruption level of a notification of `importance`. Critical alerts (sound through
    /// the mute switch) need Apple's entitlement, which Thecal does not have: urgent ones are
    /// time-sensitive.
    public static func interruptionLevel(_ importance: NotificationImportance) -> InterruptionLevel {
        switch importance {
        case .urgent, .high: return .timeSensitive
        case .normal: return .active
        }
    }
}
