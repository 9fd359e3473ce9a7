import SwiftUI
import Thecal

/// The patient app on iOS: the same five screens as the Compose app (android/ui), over the
/// Swift package. Not built here (no Xcode): see ios/App/README.md.
@main
struct ThecalPatientApp: App {
    @State private var model = PatientModel()

    var body: some Scene {
        WindowGroup {
            NavigationStack {
                switch model.opened {
                case .none:
                    ProgressView("Opening your pump's data…")
                case .failure(let message):
                    Text(message).padding()
                case .ready:
                    DashboardView(model: model)
                }
            }
            .task { await model.open() }
        }
    }
}

/// The app's state over one `Thecal`: the live dashboard and the actions of the screens. Every
/// call into the core is `async`, so the main actor never waits on the disk or the radio.
@MainActor @Observable
final class PatientModel {
    enum Opened { case ready, failure(String) }

    private(set) var opened: Opened?
    private(set) var dashboard: Dashboard?
    private(set) var thecal: Thecal?
    var zone: TimeZone { thecal.flatMap { TimeZone(identifier: $0.timeZone()) } ?? .current }

    func open() async {
        guard thecal == nil else { return }
        do {
            let dir = try FileManager.default.url(for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
            let thecal = try await Thecal.open(
                dir: dir.path, config: ThecalConfig(timeZone: TimeZone.current.identifier), secrets: KeychainSecretStore()
            )
            self.thecal = thecal
            opened = .ready
            // The dashboard at once, then on every change, for as long as the app runs.
            for try await dashboard in thecal.dashboardUpdates() { self.dashboard = dashboard }
        } catch {
            opened = .failure(error.localizedDescription)
        }
    }

    /// Saves a pain score typed as text; returns the error to show under each field.
    func savePain(scoreText: String, note: String) async -> [String: String] {
        guard let score = UInt8(scoreText.trimmingCharacters(in: .whitespaces)) else {
            return ["score": "Enter a whole number from 0 (no pain) to 10 (worst pain you can imagine)."]
        }
        let trimmed = note.trimmingCharacters(in: .whitespacesAndNewlines)
        let input = PainInput(at: Date(), score: score, inventory: nil, interference: nil, location: nil,
                              note: trimmed.isEmpty ? nil : trimmed)
        do {
            _ = try await thecal?.diary().addPain(input: input, author: .patient)
            return [:]
        } catch let error as ThecalError {
            if case let .invalidInput(field, _)? = error.commonFailure {
                return [field.hasPrefix("note") ? "note" : "score": error.localizedDescription]
            }
            return ["form": error.localizedDescription]
        } catch {
            return ["form": error.localizedDescription]
        }
    }

    /// Records that the patient has seen an alarm (in the app only; the pump is not told).
    func acknowledge(_ alarmId: Int64) async -> String? {
        do { _ = try await thecal?.pumps().acknowledgeAlarm(alarmId: alarmId); return nil } catch { return error.localizedDescription }
    }
}
