#!/usr/bin/env python3
"""The simulated BlueZ, tried with a client nobody here wrote: Python's bleak (over dbus-fast).

Run by `bleak_check` (tests/bluez-sim/examples/bleak_check.rs), which starts the private bus and
the simulator and sets the environment below. Scans twice (without and with the pump service
filter), finds the pump by address, connects, reads its serial, is refused the encrypted
Features until it pairs (through the agent this script registers: bleak registers none), reads
Features, receives Status notifications, disconnects, reconnects and does it again.

Prints one line per step, then `bleak: N passed, N failed`; exits non-zero on any failure.
"""
import asyncio
import os
import sys

from bleak import BleakClient, BleakScanner
from bleak.exc import BleakDBusError
from dbus_fast import BusType, Message, MessageType
from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, method

PUMP = os.environ["THECAL_PUMP_ADDRESS"]
OTHER = os.environ["THECAL_OTHER_ADDRESS"]
SERIAL = os.environ["THECAL_PUMP_SERIAL"]
PASSKEY = int(os.environ["THECAL_PUMP_PASSKEY"])
PUMP_SERVICE = os.environ["THECAL_PUMP_SERVICE"]
STATUS = os.environ["THECAL_STATUS"]
FEATURES = os.environ["THECAL_FEATURES"]
SERIAL_NUMBER = os.environ["THECAL_SERIAL_NUMBER"]
AGENT_PATH = "/org/thecal/bleak_check/agent"
SCAN_SECONDS = 1.5
DEADLINE = 15.0

passed = 0


def ok(step):
    global passed
    passed += 1
    print(f"ok: {step}", flush=True)


class Agent(ServiceInterface):
    """Answers BlueZ's passkey request with the pump's pairing code (as the person types it)."""

    def __init__(self):
        super().__init__("org.bluez.Agent1")
        self.asked = 0

    @method()
    def RequestPasskey(self, device: "o") -> "u":  # noqa: F821 (D-Bus signature)
        self.asked += 1
        return PASSKEY

    @method()
    def Release(self):
        pass

    @method()
    def Cancel(self):
        pass


async def register_agent():
    bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
    agent = Agent()
    bus.export(AGENT_PATH, agent)
    for member, signature, body in [
        ("RegisterAgent", "os", [AGENT_PATH, "KeyboardOnly"]),
        ("RequestDefaultAgent", "o", [AGENT_PATH]),
    ]:
        reply = await bus.call(
            Message(
                destination="org.bluez",
                path="/org/bluez",
                interface="org.bluez.AgentManager1",
                member=member,
                signature=signature,
                body=body,
            )
        )
        assert reply.message_type == MessageType.METHOD_RETURN, (member, reply.body)
    return bus, agent


async def scan(**filters):
    found = await BleakScanner.discover(timeout=SCAN_SECONDS, return_adv=True, **filters)
    return {d.address: adv for d, adv in found.values()}


async def notifications(client, count):
    """Turns Status notifications on and waits for `count` distinct values."""
    values = []
    done = asyncio.Event()

    def on_status(_, data):
        values.append(bytes(data))
        if len(set(values)) >= count:
            done.set()

    await client.start_notify(STATUS, on_status)
    await asyncio.wait_for(done.wait(), DEADLINE)
    await client.stop_notify(STATUS)
    return values


async def main():
    bus, agent = await register_agent()

    everything = await scan()
    assert PUMP in everything and OTHER in everything, sorted(everything)
    pump_ad = everything[PUMP]
    assert pump_ad.rssi is not None, pump_ad
    assert PUMP_SERVICE in pump_ad.service_uuids, pump_ad
    assert PUMP_SERVICE in pump_ad.service_data, pump_ad
    ok("scan without a filter: the pump and the other device, with RSSI and service data")

    pumps = await scan(service_uuids=[PUMP_SERVICE])
    assert PUMP in pumps and OTHER not in pumps, sorted(pumps)
    ok("second scan, with the pump service filter: the pump only")

    device = await BleakScanner.find_device_by_address(PUMP, timeout=DEADLINE)
    assert device is not None, "find by address"
    ok("find by address")

    async with BleakClient(device, timeout=DEADLINE) as client:
        ok("connect")
        serial = (await client.read_gatt_char(SERIAL_NUMBER)).decode()
        assert serial == SERIAL, serial
        ok(f"read the serial ({serial})")
        try:
            await client.read_gatt_char(FEATURES)
            raise AssertionError("Features read without pairing")
        except BleakDBusError as e:
            assert (e.dbus_error, e.dbus_error_details) == (
                "org.bluez.Error.NotPermitted",
                "Not paired",
            ), (e.dbus_error, e.dbus_error_details)
        ok("Features refused before pairing (encrypted)")
        await client.pair()
        assert agent.asked == 1, agent.asked
        ok("pair (BlueZ asked this script's agent for the passkey)")
        features = await client.read_gatt_char(FEATURES)
        assert len(features) >= 5, features
        ok("read Features")
        values = await notifications(client, 2)
        ok(f"{len(values)} Status notifications")
    assert not client.is_connected
    ok("disconnect")

    device = await BleakScanner.find_device_by_address(PUMP, timeout=DEADLINE)
    assert device is not None, "found again"
    async with BleakClient(device, timeout=DEADLINE) as client:
        assert (await client.read_gatt_char(SERIAL_NUMBER)).decode() == SERIAL
        assert len(await client.read_gatt_char(FEATURES)) >= 5
        await notifications(client, 2)
        ok("reconnect: serial, Features (bonded), Status notifications again")
    bus.disconnect()


if __name__ == "__main__":
    try:
        asyncio.run(asyncio.wait_for(main(), 120))
    except BaseException as e:  # noqa: BLE001 (any failure is a failed check)
        print(f"FAILED: {type(e).__name__}: {e}", flush=True)
        print(f"bleak: {passed} passed, 1 failed")
        sys.exit(1)
    print(f"bleak: {passed} passed, 0 failed")
