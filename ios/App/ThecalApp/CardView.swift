import CoreImage.CIFilterBuiltins
import SwiftUI
import Thecal

/// The implant ID card: its QR code (when the clinic signed it) and its sections.
struct CardView: View {
    let model: PatientModel
    @State private var view: Thecal.CardView?
    @State private var qrText: String?
    @State private var message: String?

    var body: some View {
        List {
            if let message { Text(message) }
            if let qrText, let image = qrImage(qrText) {
                Section {
                    Text("Show this code to airport security or to MRI staff. They can scan it to check the card.")
                    Image(uiImage: image).interpolation(.none).resizable().scaledToFit()
                        .accessibilityLabel("QR code of your signed ID card, for staff to scan")
                }
            }
            if let view {
                ForEach(Array(view.sections.enumerated()), id: \.offset) { _, section in
                    Section(section.title) {
                        if let badge = section.badge { Text(badge.text).bold() }
                        ForEach(Array(section.rows.enumerated()), id: \.offset) { _, row in
                            if let label = row.label { LabeledContent(label, value: row.text) } else { Text(row.text) }
                        }
                    }
                }
            }
        }
        .navigationTitle("ID card")
        .task {
            guard let card = model.thecal?.card() else { return }
            do {
                view = try await card.views(languages: [.en]).first
                qrText = try await card.signed()?.text
            } catch {
                message = error.localizedDescription
            }
        }
    }

    private func qrImage(_ text: String) -> UIImage? {
        let filter = CIFilter.qrCodeGenerator()
        filter.message = Data(text.utf8)
        filter.correctionLevel = "M"
        guard let output = filter.outputImage,
              let cg = CIContext().createCGImage(output, from: output.extent) else { return nil }
        return UIImage(cgImage: cg)
    }
}
