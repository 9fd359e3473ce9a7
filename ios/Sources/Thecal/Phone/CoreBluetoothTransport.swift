#if canImport(CoreBluetooth)
import CoreBluetooth
import Foundation

/// The core's `BleTransport` over CoreBluetooth: a `CBCentralManager` with state restoration
/// (the app declares the `bluetooth-central` background mode), one request at a time through
/// `BleRequestQueue`, notifications passed to the core, errors mapped by `BleErrorMapping`, and
/// pending connections as `ReconnectPolicy` decides. Device ids are the peripherals'
/// identifiers (stable per phone, which is also the pump's BLE identity here).
///
/// Not compiled or tested on Linux (no CoreBluetooth): its decisions are in plain Swift beside it.
public final class CoreBluetoothTransport: NSObject, BleTransport, CBCentralManagerDelegate, CBPeripheralDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private var central: CBCentralManager!
    private var events: TransportEvents?
    private var peripherals: [UUID: CBPeripheral] = [:]
    private var found: [String: Advertisement] = [:]
    private var queues: [UUID: BleRequestQueue] = [:]
    private var connecting: [UUID: CheckedContinuation<Void, any Error>] = [:]
    private var poweredOn: [CheckedContinuation<Void, Never>] = []

    /// Starts the central; `restoreIdentifier` lets iOS relaunch the app for the pump's events.
    public init(restoreIdentifier: String = "org.thecal.central") {
        super.init()
        central = CBCentralManager(delegate: self, queue: DispatchQueue(label: "org.thecal.ble"),
                                   options: [CBCentralManagerOptionRestoreIdentifierKey: restoreIdentifier])
    }

    private var state: CentralState {
        switch central.state {
        case .poweredOn: return .poweredOn
        case .poweredOff: return .poweredOff
        case .unauthorized: return .unauthorized
        case .unsupported: return .unsupported
        case .resetting: return .resetting
        default: return .unknown
        }
    }

    private func ready() async throws {
        if central.state == .unknown || central.state == .resetting {
            await withCheckedContinuation { c in lock.locked { poweredOn.append(c) } }
        }
        if let e = BleErrorMapping.forCentral(state) { throw e }
    }

    public func name() -> String { "iOS CoreBluetooth" }

    public func setEvents(events: TransportEvents) throws { lock.locked { self.events = events } }

    public func scan(serviceUuids: [String], timeoutMs: UInt32) async throws -> [Advertisement] {
        try await ready()
        lock.locked { found = [:] }
        central.scanForPeripherals(withServices: serviceUuids.map { CBUUID(string: $0) })
        try await Task.sleep(nanoseconds: UInt64(timeoutMs) * 1_000_000)
        central.stopScan()
        return lock.locked { Array(found.values) }
    }

    private func peripheral(_ id: String) throws -> CBPeripheral {
        if let uuid = UUID(uuidString: id) {
            if let p = lock.locked({ peripherals[uuid] }) { return p }
            if let p = central.retrievePeripherals(withIdentifiers: [uuid]).first {
                lock.locked { peripherals[uuid] = p }
                return p
            }
        }
        throw TransportError.DeviceNotFound
    }

    public func connect(deviceId: String) async throws {
        try await ready()
        let p = try peripheral(deviceId)
        p.delegate = self
        let queue = BleRequestQueue()
        lock.locked { queues[p.identifier] = queue }
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            lock.locked { connecting[p.identifier] = c }
            central.connect(p)  // no timeout: completes when the pump is in range
        }
        _ = try await queue.run(.discover) { p.discoverServices(nil); return true }
    }

    public func bond(deviceId: String) async throws -> Bool { false }  // iOS bonds when the pump asks for encryption

    public func identity(deviceId: String) async throws -> String { try peripheral(deviceId).identifier.uuidString }

    public func disconnect(deviceId: String) async throws {
        if let p = try? peripheral(deviceId) { central.cancelPeripheralConnection(p) }
    }

    private func characteristic(_ p: CBPeripheral, _ uuid: String) -> CBCharacteristic? {
        let u = CBUUID(string: uuid)
        return p.services?.lazy.compactMap { $0.characteristics?.first { $0.uuid == u } }.first
    }

    private func queue(_ p: CBPeripheral) throws -> BleRequestQueue {
        guard p.state == .connected, let q = lock.locked({ queues[p.identifier] }) else { throw TransportError.NotConnected }
        return q
    }

    public func read(deviceId: String, characteristic uuid: String) async throws -> Data {
        let p = try peripheral(deviceId)
        return try await queue(p).run(.read(characteristic: uuid.lowercased())) {
            guard let c = characteristic(p, uuid) else { return false }
            p.readValue(for: c)
            return true
        }
    }

    public func write(deviceId: String, characteristic uuid: String, value: Data) async throws {
        let p = try peripheral(deviceId)
        _ = try await queue(p).run(.write(characteristic: uuid.lowercased())) {
            guard let c = characteristic(p, uuid) else { return false }
            p.writeValue(value, for: c, type: .withResponse)
            return true
        }
    }

    public func subscribe(deviceId: String, characteristic uuid: String) async throws {
        let p = try peripheral(deviceId)
        _ = try await queue(p).run(.subscribe(characteristic: uuid.lowercased())) {
            guard let c = characteristic(p, uuid) else { return false }
            p.setNotifyValue(true, for: c)
            return true
        }
    }

    private func mapped(_ error: (any Error)?, _ op: BleOperation?) -> (any Error)? {
        guard let e = error as NSError? else { return nil }
        return BleErrorMapping.forError(domain: e.domain, code: e.code, during: op)
    }

    private static func key(_ c: CBCharacteristic) -> String {
        let s = c.uuid.uuidString.lowercased()
        return s.count == 4 ? "0000\(s)-0000-1000-8000-00805f9b34fb" : s
    }

    // MARK: CBCentralManagerDelegate

    public func centralManagerDidUpdateState(_ central: CBCentralManager) {
        guard central.state != .unknown, central.state != .resetting else { return }
        let waiting = lock.locked { defer { poweredOn = [] }; return poweredOn }
        waiting.forEach { $0.resume() }
    }

    public func centralManager(_ central: CBCentralManager, willRestoreState dict: [String: Any]) {
        let restored = dict[CBCentralManagerRestoredStatePeripheralsKey] as? [CBPeripheral] ?? []
        lock.locked { restored.forEach { peripherals[$0.identifier] = $0 } }
    }

    public func centralManager(_ central: CBCentralManager, didDiscover p: CBPeripheral,
                               advertisementData: [String: Any], rssi: NSNumber) {
        let uuids = (advertisementData[CBAdvertisementDataServiceUUIDsKey] as? [CBUUID] ?? []).map { $0.uuidString.lowercased() }
        let ad = Advertisement(deviceId: p.identifier.uuidString, name: advertisementData[CBAdvertisementDataLocalNameKey] as? String,
                               serviceUuids: uuids, rssi: Int16(truncating: rssi), manufacturerData: [], serviceData: [])
        lock.locked {
            peripherals[p.identifier] = p
            found[p.identifier.uuidString] = ad
        }
    }

    public func centralManager(_ central: CBCentralManager, didConnect p: CBPeripheral) {
        lock.locked { connecting.removeValue(forKey: p.identifier) }?.resume()
    }

    public func centralManager(_ central: CBCentralManager, didFailToConnect p: CBPeripheral, error: (any Error)?) {
        let e = mapped(error, nil) ?? TransportError.ConnectionFailed(reason: "unknown")
        lock.locked { connecting.removeValue(forKey: p.identifier) }?.resume(throwing: e)
    }

    public func centralManager(_ central: CBCentralManager, didDisconnectPeripheral p: CBPeripheral, error: (any Error)?) {
        lock.locked { queues[p.identifier] }?.failPending(TransportError.NotConnected)
        lock.locked { events }?.disconnected(deviceId: p.identifier.uuidString)
        // The core decides when to connect again (its own backoff); a pending CoreBluetooth
        // connect (ReconnectPolicy.connectWhenInRange) is what its next connect() issues.
    }

    // MARK: CBPeripheralDelegate

    public func peripheral(_ p: CBPeripheral, didDiscoverServices error: (any Error)?) {
        if let e = mapped(error, .discover) { lock.locked { queues[p.identifier] }?.complete(.discover, .failure(e)); return }
        p.services?.forEach { p.discoverCharacteristics(nil, for: $0) }
        if p.services?.isEmpty ?? true { lock.locked { queues[p.identifier] }?.complete(.discover, .success(Data())) }
    }

    public func peripheral(_ p: CBPeripheral, didDiscoverCharacteristicsFor service: CBService, error: (any Error)?) {
        if p.services?.allSatisfy({ $0.characteristics != nil }) ?? true {
            lock.locked { queues[p.identifier] }?.complete(.discover, .success(Data()))
        }
    }

    public func peripheral(_ p: CBPeripheral, didUpdateValueFor c: CBCharacteristic, error: (any Error)?) {
        let k = Self.key(c)
        let queue = lock.locked { queues[p.identifier] }
        let result: Result<Data, any Error> = mapped(error, .read(characteristic: k)).map { .failure($0) } ?? .success(c.value ?? Data())
        if queue?.complete(.read(characteristic: k), result) == true { return }
        if let value = c.value, error == nil {
            lock.locked { events }?.notification(deviceId: p.identifier.uuidString, characteristic: k, value: value)
        }
    }

    public func peripheral(_ p: CBPeripheral, didWriteValueFor c: CBCharacteristic, error: (any Error)?) {
        let k = Self.key(c)
        lock.locked { queues[p.identifier] }?.complete(.write(characteristic: k), mapped(error, .write(characteristic: k)).map { .failure($0) } ?? .success(Data()))
    }

    public func peripheral(_ p: CBPeripheral, didUpdateNotificationStateFor c: CBCharacteristic, error: (any Error)?) {
        let k = Self.key(c)
        lock.locked { queues[p.identifier] }?.complete(.subscribe(characteristic: k), mapped(error, .subscribe(characteristic: k)).map { .failure($0) } ?? .success(Data()))
    }
}
#endif
