import SwiftUI
import Thecal

/// A new pain score; the core's validation errors appear under their field.
struct DiaryView: View {
    let model: PatientModel
    @State private var score = ""
    @State private var note = ""
    @State private var errors: [String: String] = [:]
    @State private var saved: String?

    var body: some View {
        Form {
            Section {
                TextField("Pain score (0 to 10)", text: $score).keyboardType(.numberPad)
                    .accessibilityLabel("Pain score, from 0 to 10")
                if let e = errors["score"] { Text("⚠ \(e)").foregroundStyle(.red) }
            } header: { Text("How strong is your pain right now?") } footer: {
                Text("0 means no pain. 10 means the worst pain you can imagine.")
            }
            Section {
                TextField("Note (optional)", text: $note, axis: .vertical).accessibilityLabel("Note, optional")
                if let e = errors["note"] { Text("⚠ \(e)").foregroundStyle(.red) }
            }
            Button("Save pain score") {
                Task {
                    let s = score
                    errors = await model.savePain(scoreText: s, note: note)
                    if errors.isEmpty { saved = "✓ Saved: pain \(s) out of 10."; score = ""; note = "" }
                }
            }
            if let e = errors["form"] { Text(e).foregroundStyle(.red) }
            if let saved { Text(saved).bold() }
        }
        .navigationTitle("Pain diary")
    }
}
