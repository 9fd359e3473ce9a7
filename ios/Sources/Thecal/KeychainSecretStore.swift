// The iOS key store for the core's secrets: the Keychain.
//
// Only on Apple platforms: the Security framework does not exist on Linux, so this file compiles
// to nothing there and is neither built nor tested by ios/run-tests.sh. It is written against
// Apple's SecItem documentation (generic password items; `SecItemCopyMatching`, `SecItemUpdate`,
// `SecItemAdd`, `SecItemDelete`) and must be tried on a device or simulator before it ships.

#if canImport(Security)
import Foundation
import Security

/// Keeps the core's secrets (the clinic's card-signing key, later the caregiver link's keys) in
/// the Keychain, as generic password items of the service `org.thecal`, one per name.
///
/// Items are readable after the phone's first unlock since it started (so that the core can
/// sign or decrypt while the app runs in the background) and never leave this device: they are
/// excluded from backups and from iCloud Keychain
/// (`kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly`). On macOS the items go to the data
/// protection keychain, which behaves as on iOS (the app needs a keychain access group
/// entitlement, as every signed app has).
///
/// ```swift
/// let thecal = try await Thecal.open(dir: dir, config: config, secrets: KeychainSecretStore())
/// ```
public final class KeychainSecretStore: SecretStore {
    /// The Keychain service the items are filed under.
    public let service: String

    /// A key store over the Keychain items of `service` (by default `org.thecal`).
    public init(service: String = "org.thecal") {
        self.service = service
    }

    /// The secret stored under `name`, or `nil` if there is none.
    ///
    /// - Throws: `SecretStoreError.Unavailable` when the Keychain refuses (for example before
    ///   the first unlock after a restart).
    public func load(name: String) throws -> Data? {
        var query = itemQuery(name)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var result: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &result)
        switch status {
        case errSecSuccess:
            guard let data = result as? Data else {
                throw SecretStoreError.Unavailable(reason: "the Keychain returned no data for an item")
            }
            return data
        case errSecItemNotFound:
            return nil
        default:
            throw Self.unavailable(status, "reading")
        }
    }

    /// Stores `secret` under `name`, replacing what was there.
    ///
    /// - Throws: `SecretStoreError.Unavailable` when the Keychain refuses.
    public func save(name: String, secret: Data) throws {
        let values: [String: Any] = [
            kSecValueData as String: secret,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        // Update the item if it exists, else add it. Two saves of a new name at once can both
        // find nothing; the second add then meets the first one's item and updates it instead.
        var status = SecItemUpdate(itemQuery(name) as CFDictionary, values as CFDictionary)
        if status == errSecItemNotFound {
            status = SecItemAdd(itemQuery(name).merging(values) { _, new in new } as CFDictionary, nil)
            if status == errSecDuplicateItem {
                status = SecItemUpdate(itemQuery(name) as CFDictionary, values as CFDictionary)
            }
        }
        guard status == errSecSuccess else { throw Self.unavailable(status, "saving") }
    }

    /// Removes the secret under `name`; nothing happens if there is none.
    ///
    /// - Throws: `SecretStoreError.Unavailable` when the Keychain refuses.
    public func delete(name: String) throws {
        let status = SecItemDelete(itemQuery(name) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw Self.unavailable(status, "deleting")
        }
    }

    /// What identifies the item of `name`: its class, service and account.
    private func itemQuery(_ name: String) -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: name,
            kSecUseDataProtectionKeychain as String: true,
        ]
    }

    /// The core's error for a Keychain status: the system's words and the code, never a secret.
    private static func unavailable(_ status: OSStatus, _ doing: String) -> SecretStoreError {
        let message = SecCopyErrorMessageString(status, nil) as String? ?? "no description"
        return .Unavailable(reason: "Keychain error \(status) while \(doing) a key: \(message)")
    }
}
#endif
