import Foundation

/// The Bluetooth central's state, as `CBManagerState` reports it (plain Swift, so the decisions
/// below compile and are tested on Linux).
public enum CentralState: Sendable, Equatable {
    case unknown, resetting, unsupported, unauthorized, poweredOff, poweredOn
}

/// One request to a connected peripheral.
public enum BleOperation: Sendable, Hashable {
    case discover
    case read(characteristic: String)
    case write(characteristic: String)
    case subscribe(characteristic: String)
}

/// CoreBluetooth's errors and states mapped to the core's typed `TransportError` (the link shows
/// them as `BluetoothOff`, `PermissionDenied`, `PairingRefused`...).
public enum BleErrorMapping {
    /// `CBErrorDomain` codes the mapping reads.
    public enum CBErrorCode: Int, Sendable {
        case unknown = 0, invalidParameters = 1, invalidHandle = 2, notConnected = 3, outOfSpace = 4
        case operationCancelled = 5, connectionTimeout = 6, peripheralDisconnected = 7
        case connectionFailed = 10, connectionLimitReached = 11, unknownDevice = 12
        case peerRemovedPairingInformation = 14, encryptionTimedOut = 15, tooManyLEPairedDevices = 16
    }

    /// The error for a central that cannot be used now, `nil` when powered on.
    public static func forCentral(_ state: CentralState) -> TransportError? {
        switch state {
        case .poweredOn: return nil
        case .poweredOff: return .BluetoothUnavailable(reason: "Bluetooth is off")
        case .unsupported: return .BluetoothUnavailable(reason: "this device has no Bluetooth LE")
        case .unauthorized: return .PermissionDenied
        case .unknown, .resetting: return .BluetoothUnavailable(reason: "Bluetooth is starting")
        }
    }

    /// The error for an `NSError` from CoreBluetooth during `operation`.
    public static func forError(domain: String, code: Int, during operation: BleOperation?) -> TransportError {
        if domain == "CBATTErrorDomain" {
            // Insufficient authentication (5), authorization (8), encryption (15): no bond.
            if [5, 8, 15].contains(code) { return .PairingRefused }
            return .Gatt(reason: "ATT error \(code)")
        }
        guard domain == "CBErrorDomain", let c = CBErrorCode(rawValue: code) else {
            return .Platform(reason: "\(domain) \(code)")
        }
        switch c {
        case .peerRemovedPairingInformation, .encryptionTimedOut: return .PairingRefused
        case .notConnected, .peripheralDisconnected, .connectionTimeout: return .NotConnected
        case .unknownDevice: return .DeviceNotFound
        case .connectionFailed, .connectionLimitReached, .tooManyLEPairedDevices:
            return .ConnectionFailed(reason: "CoreBluetooth error \(code)")
        default:
            return operation == nil ? .ConnectionFailed(reason: "CoreBluetooth error \(code)") : .Gatt(reason: "CoreBluetooth error \(code)")
        }
    }
}

/// What the transport does after the link to the pump is lost.
public enum ReconnectDecision: Equatable {
    /// Issue `connect` again at once: CoreBluetooth keeps a pending connection without a timeout
    /// and completes it when the pump is back in range, even in the background (with the
    /// `bluetooth-central` mode and state restoration).
    case connectWhenInRange
    /// Wait for `centralManagerDidUpdateState(.poweredOn)`, then connect.
    case waitForBluetooth
    /// Only the person can fix it (permission refused, bond removed): report and wait.
    case report(TransportError)
}

/// Decides how to reconnect after a disconnection with CoreBluetooth error `code`
/// (`nil`: the app or the pump ended it cleanly).
public enum ReconnectPolicy {
    /// The decision for the central's `state` and the disconnection's error code.
    public static func afterDisconnect(state: CentralState, errorDomain: String?, errorCode: Int?) -> ReconnectDecision {
        if let e = BleErrorMapping.forCentral(state) {
            if case .PermissionDenied = e { return .report(e) }
            return .waitForBluetooth
        }
        if let domain = errorDomain, let code = errorCode {
            let e = BleErrorMapping.forError(domain: domain, code: code, during: nil)
            if case .PairingRefused = e { return .report(e) }
        }
        return .connectWhenInRange
    }
}

/// One request at a time to a peripheral, and the answer matched to it. CoreBluetooth answers a
/// read and delivers a notification through the same delegate call
/// (`peripheral(_:didUpdateValueFor:error:)`): the queue knows which read is in flight, so a value
/// for it answers the read and any other value is a notification.
public final class BleRequestQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var pending: (op: BleOperation, cont: CheckedContinuation<Data, any Error>)?
    private var startedCount = 0

    /// A queue with nothing in flight.
    public init() {}

    /// Requests started so far.
    public var started: Int { lock.locked { startedCount } }

    private func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now: Bool = lock.locked {
                if busy { waiters.append(c); return false }
                busy = true
                return true
            }
            if now { c.resume() }
        }
    }

    private func release() {
        let next: CheckedContinuation<Void, Never>? = lock.locked {
            if waiters.isEmpty { busy = false; return nil }
            return waiters.removeFirst()
        }
        next?.resume()
    }

    /// Runs `op` once nothing else is in flight: `start` issues it (returns `false` if it could
    /// not, e.g. the characteristic is missing); the answer comes through `complete`.
    public func run(_ op: BleOperation, start: @Sendable () -> Bool) async throws -> Data {
        await acquire()
        defer { release() }
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<Data, any Error>) in
            lock.locked {
                pending = (op, c)
                startedCount += 1
            }
            if !start() { _ = complete(op, .failure(TransportError.NotConnected)) }
        }
    }

    /// Answers the request in flight if it is `op`; `false` otherwise (for a read: the value is
    /// a notification).
    @discardableResult
    public func complete(_ op: BleOperation, _ result: Result<Data, any Error>) -> Bool {
        let c: CheckedContinuation<Data, any Error>? = lock.locked {
            guard let p = pending, p.op == op else { return nil }
            pending = nil
            return p.cont
        }
        guard let c else { return false }
        c.resume(with: result)
        return true
    }

    /// Fails the request in flight (the link went down).
    public func failPending(_ error: any Error) {
        let c: CheckedContinuation<Data, any Error>? = lock.locked {
            defer { pending = nil }
            return pending?.cont
        }
        c?.resume(throwing: error)
    }
}

extension NSLock {
    /// Runs `body` holding the lock.
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}
