#if canImport(UserNotifications)
import Foundation
import UserNotifications

/// Schedules the window of the core's plan with `UNUserNotificationCenter`: each request under
/// the plan's stable id (adding it again replaces it), time-sensitive for urgent and high ones
/// (the app declares the Time Sensitive Notifications capability), at most 64 pending.
/// Not compiled on Linux; `NotificationWindow` holds its decisions and is tested there.
public struct UserNotificationScheduler: Sendable {
    /// A scheduler on the app's notification center.
    public init() {}

    /// Replaces the pending requests with the window of `plan`.
    public func schedule(_ plan: [PlannedNotification]) async throws {
        let center = UNUserNotificationCenter.current()
        let pending = await center.pendingNotificationRequests()
        var dates: [String: Date] = [:]
        for r in pending {
            if let t = r.trigger as? UNCalendarNotificationTrigger, let d = t.nextTriggerDate() { dates[r.identifier] = d }
        }
        let (remove, add) = NotificationWindow.changes(plan: plan, pending: dates)
        center.removePendingNotificationRequests(withIdentifiers: remove)
        for n in add {
            let content = UNMutableNotificationContent()
            content.title = n.title
            content.body = n.body
            content.sound = .default
            if #available(iOS 15.0, macOS 12.0, *) {
                content.interruptionLevel = NotificationWindow.interruptionLevel(n.importance) == .timeSensitive ? .timeSensitive : .active
            }
            // UTC components: the instant the core chose, whatever the zone is then.
            var utc = Calendar(identifier: .gregorian)
            utc.timeZone = TimeZone(identifier: "UTC")!
            let parts = utc.dateComponents(in: utc.timeZone, from: n.fireAt)
            let trigger = UNCalendarNotificationTrigger(dateMatching: parts, repeats: false)
            try await center.add(UNNotificationRequest(identifier: n.id, content: content, trigger: trigger))
        }
    }
}
#endif
