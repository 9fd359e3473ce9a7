import Foundation

extension Thecal {
    /// Sets the core's language (alarms, forecasts, recovery guidance, notifications) from the
    /// phone's preferred languages, most preferred first: the first one Thecal speaks, else
    /// English. Returns the language chosen.
    @discardableResult
    public func applyPhoneLanguage(_ preferred: [String] = Locale.preferredLanguages) -> Language {
        setLanguages(preferred: preferred)
    }

    /// Applies the phone's language now and again whenever the user changes it (Foundation's
    /// `NSLocale.currentLocaleDidChangeNotification`), for as long as the returned observation
    /// is kept. `preferred` reads the phone's list (by default `Locale.preferredLanguages`).
    public func followPhoneLanguage(
        center: NotificationCenter = .default,
        preferred: @escaping @Sendable () -> [String] = { Locale.preferredLanguages }
    ) -> PhoneLanguageObservation {
        applyPhoneLanguage(preferred())
        let token = center.addObserver(
            forName: NSLocale.currentLocaleDidChangeNotification, object: nil, queue: nil
        ) { [weak self] _ in
            self?.applyPhoneLanguage(preferred())
        }
        return PhoneLanguageObservation(center: center, token: token)
    }
}

/// Keeps the core following the phone's language; dropping it (or `cancel()`) stops.
public final class PhoneLanguageObservation: @unchecked Sendable {
    private let center: NotificationCenter
    private var token: (any NSObjectProtocol)?
    private let lock = NSLock()

    init(center: NotificationCenter, token: any NSObjectProtocol) {
        self.center = center
        self.token = token
    }

    /// Stops following.
    public func cancel() {
        lock.lock()
        let t = token
        token = nil
        lock.unlock()
        if let t { center.removeObserver(t) }
    }

    deinit { cancel() }
}
