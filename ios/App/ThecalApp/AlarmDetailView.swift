import SwiftUI
import Thecal

/// One open alarm: what it means, what to do, and "I have seen this" (in the app only).
struct AlarmDetailView: View {
    let model: PatientModel
    let alarmId: Int64
    @State private var error: String?

    var body: some View {
        List {
            if let view = model.dashboard?.alarms.first(where: { $0.alarm.id == alarmId }) {
                let words = alarmWords(view.alarm.kind)
                let p = priorityWords(view.alarm.priority)
                Section {
                    Text("\(p.symbol) \(p.label)").bold().accessibilityLabel(p.spoken)
                    Text(words.title).font(.title2).bold()
                    Text(view.current == .active ? "Still active on the pump." : "The pump is not connected, so the app cannot tell if it is still active.")
                }
                Section("What it means") { Text(words.meaning) }
                Section("What to do") { Text(words.action).bold() }
                Section("Seen it?") {
                    if let at = view.alarm.appAcknowledgedAt {
                        Text("✓ You marked this alarm as seen at \(at.formatted(date: .omitted, time: .shortened)).")
                    } else {
                        Text("Marking it as seen only records that you know. It does not silence the pump or change your treatment.")
                        Button("I have seen this alarm") { Task { error = await model.acknowledge(alarmId) } }
                            .accessibilityLabel("Mark this alarm as seen: \(words.title)")
                    }
                    if let error { Text(error).foregroundStyle(.red) }
                }
            } else {
                Text("This alarm is no longer open: the pump has cleared it.")
            }
        }
        .navigationTitle("Alarm")
    }
}
