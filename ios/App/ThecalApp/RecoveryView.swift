import SwiftUI
import Thecal

/// The recovery checklist after the implant, and the signs that mean "call now".
struct RecoveryView: View {
    let model: PatientModel
    @State private var plan: RecoveryPlan?
    @State private var redFlags: [RedFlag] = []
    @State private var message: String?

    var body: some View {
        List {
            if let message { Text(message) }
            if let plan {
                Section("Day \(plan.day) after your implant") {
                    ForEach(plan.items, id: \.key) { item in
                        Toggle(isOn: Binding(get: { item.doneAt != nil }, set: { done in Task { await set(item.key, done) } })) {
                            VStack(alignment: .leading) {
                                Text(item.title).bold()
                                Text(item.detail)
                            }
                        }
                        .accessibilityLabel(item.title)
                        .accessibilityValue(item.doneAt != nil ? "Done" : "Not done")
                    }
                }
            }
            Section("Call your clinic now if you have") {
                ForEach(redFlags.filter { $0.level != .routine }, id: \.sign) { flag in
                    VStack(alignment: .leading) {
                        Text(flag.level == .emergency ? "▲ EMERGENCY" : "◆ CALL YOUR CLINIC").bold()
                        Text(flag.sign).bold()
                        Text(flag.instruction)
                    }
                    .accessibilityElement(children: .combine)
                }
            }
        }
        .navigationTitle("Recovery checklist")
        .task { await load() }
    }

    private func load() async {
        guard let recovery = model.thecal?.recovery() else { return }
        redFlags = recovery.redFlags()
        do { plan = try await recovery.plan() } catch { message = error.localizedDescription }
    }

    private func set(_ key: String, _ done: Bool) async {
        do {
            _ = try await model.thecal?.recovery().setItemDone(key: key, done: done, author: .patient)
            await load()
        } catch { message = error.localizedDescription }
    }
}
