import SwiftUI
import Thecal

/// Home: link and data age first, then open alarms, the reservoir, the battery and the diary.
struct DashboardView: View {
    let model: PatientModel

    var body: some View {
        List {
            if let d = model.dashboard {
                let age = d.reservoir.map { Date().timeIntervalSince($0.asOf) } ?? d.lastReadingAge
                let fresh = freshnessWords(d.freshness, age: age)
                Section {
                    VStack(alignment: .leading, spacing: 4) {
                        Text(fresh.stale ? "⚠ Out of date" : "✓ Up to date").bold()
                        Text(linkWords(d.linkState))
                        Text(fresh.text)
                    }
                    .listRowBackground(fresh.stale ? Color.yellow.opacity(0.25) : Color.green.opacity(0.12))
                    .accessibilityElement(children: .combine)
                    .accessibilityLabel("Pump status. \(linkWords(d.linkState)). \(fresh.text)")
                }
                Section(d.alarms.isEmpty ? "Alarms" : "Alarms (\(d.alarms.count) open)") {
                    if d.alarms.isEmpty { Text("No open alarms.") }
                    ForEach(d.alarms, id: \.alarm.id) { view in
                        let p = priorityWords(view.alarm.priority)
                        NavigationLink { AlarmDetailView(model: model, alarmId: view.alarm.id) } label: {
                            VStack(alignment: .leading) {
                                Text("\(p.symbol) \(p.label)").bold()
                                Text(alarmWords(view.alarm.kind).title)
                            }
                        }
                        .accessibilityLabel("\(p.spoken): \(alarmWords(view.alarm.kind).title). Opens the details.")
                    }
                }
                Section("Medicine in the pump") {
                    if let r = d.reservoir {
                        Text("About \(volumeWords(r.volume)) left of \(volumeWords(r.capacity)).")
                        ProgressView(value: min(max(r.percent, 0), 100), total: 100)
                            .accessibilityLabel("Reservoir fill")
                    } else { Text("No reading yet.") }
                    if let low = d.dates.reservoirLow { LabeledContent("Book your refill before", value: low) }
                    if let empty = d.dates.reservoirEmpty { LabeledContent("The pump would run empty", value: empty) }
                }
                Section("Pump battery") {
                    if let b = d.battery { Text("Battery \(b.percent) %.") }
                    if let eri = d.dates.batteryEri { LabeledContent("Plan the pump replacement", value: eri) }
                    Text("Dates are estimates from your pump's readings. Your clinic confirms them.").font(.footnote)
                }
                Section("Pain") {
                    if let pain = d.lastPain { Text("Last pain score: \(pain.value.score) out of 10.") } else { Text("No pain score yet.") }
                    NavigationLink("Add a pain score") { DiaryView(model: model) }
                }
                Section("More") {
                    NavigationLink("ID card") { CardView(model: model) }
                    NavigationLink("Recovery checklist") { RecoveryView(model: model) }
                }
            } else {
                ProgressView("Reading your pump's data…")
            }
        }
        .navigationTitle("My pump")
    }
}
