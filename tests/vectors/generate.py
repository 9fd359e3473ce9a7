#!/usr/bin/env python3
"""Writes pump-profile-v1.json: the test vectors of the Thecal Pump Profile v1.

This is a second, independent implementation of docs/gatt-profile.md (written from the spec, not
from the Rust code), so the vectors check the Rust codec against the document. Run it from this
folder with `python3 generate.py`; it rewrites the JSON file deterministically. The JSON file is
the single source of truth that the Rust, Kotlin and Swift tests read.
"""
import json
import struct
from datetime import datetime, timezone

VERSION = 1
STATUS, ANNUNCIATION, HISTORY_RECORD, HISTORY_REQUEST, HISTORY_RESPONSE, FEATURES = 1, 2, 3, 4, 5, 6


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


assert crc16(b"123456789") == 0x29B1


def frame(kind: int, counter: int, payload: bytes, version: int = VERSION) -> bytes:
    body = bytes([version, kind, counter]) + payload
    return body + struct.pack("<H", crc16(body))


def reseal(body_without_crc: bytes) -> bytes:
    return body_without_crc + struct.pack("<H", crc16(body_without_crc))


def ts(s: str) -> int:
    return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


MODES = {"stopped": 0, "continuous": 1, "flex": 2, "bolus": 3}
INDICATORS = {"normal": 0, "eri": 1, "eos": 2}
DRUGS = {"morphine": 1, "hydromorphone": 2, "fentanyl": 3, "sufentanil": 4, "baclofen": 5,
         "ziconotide": 6, "bupivacaine": 7, "clonidine": 8}
PRIORITIES = {"high": 1, "medium": 2, "low": 3}
STATES = {"raised": 1, "cleared": 2, "acknowledged": 3}
ALARMS = {1: "reservoir_low", 2: "reservoir_empty", 3: "battery_eri", 4: "battery_eos",
          5: "catheter_occlusion", 6: "motor_stall", 7: "clock_error", 8: "pump_fault"}
PUMP_KINDS = {"implanted": 1, "external": 2}
RESERVOIRS = {"chamber": 1, "cassette": 2, "bag": 3}
RESULTS = {"success": 0, "no_records": 1, "opcode_not_supported": 2, "invalid_operand": 3,
           "busy": 4, "aborted": 5}


def drug_bytes(drug: str) -> bytes:
    if drug.startswith("other:"):
        name = drug[len("other:"):].encode()
        return bytes([0xFF, len(name)]) + name
    return bytes([DRUGS[drug]])


def status_payload(d: dict) -> bytes:
    return struct.pack(
        "<IIIBIIBB", ts(d["pump_time"]), d["reservoir_volume_ul"], d["reservoir_capacity_ul"],
        MODES[d["mode"]], d["daily_dose_ug_per_day"], d["concentration_ug_per_ml"],
        d["battery_percent"], INDICATORS[d["battery_indicator"]]) + drug_bytes(d["drug"])


def alarm_body(d: dict) -> bytes:
    return struct.pack("<HBBI", d["alarm_code"], PRIORITIES[d["priority"]], STATES[d["state"]],
                       d["raised_sequence"])


def alarm_name(code: int) -> str:
    return ALARMS.get(code, f"unrecognised:{code}")


def record_payload(d: dict) -> bytes:
    head = struct.pack("<II", d["sequence"], ts(d["pump_time"]))
    ev = d["event"]
    if ev == "alarm":
        return head + bytes([1]) + alarm_body(d)
    if ev == "refill":
        return head + bytes([2]) + struct.pack(
            "<IIII", d["volume_before_ul"], d["volume_after_ul"], d["concentration_ug_per_ml"],
            d["daily_dose_ug_per_day"]) + drug_bytes(d["drug"])
    if ev == "therapy_changed":
        return head + bytes([3]) + struct.pack("<BI", MODES[d["mode"]], d["daily_dose_ug_per_day"])
    if ev == "battery_replaced":
        return head + bytes([4, d["battery_percent"]])
    if ev == "clock_set":
        return head + bytes([5]) + struct.pack("<I", ts(d["previous_time"]))
    raise ValueError(ev)


def features_payload(d: dict) -> bytes:
    flags = (1 if d["flex_schedule"] else 0) | (2 if d["bolus"] else 0) | \
        (4 if d["battery_replaceable"] else 0)
    return struct.pack("<BBIHHHI", PUMP_KINDS[d["pump_kind"]], RESERVOIRS[d["reservoir_kind"]],
                       d["reservoir_capacity_ul"], flags, d["history_capacity"],
                       d["eri_to_eos_days"], d["low_reservoir_threshold_ul"])


vectors = []


def valid(name, characteristic, kind, payload_fn, decoded, counter=0, note=None, driver=None):
    d = {"frame": FRAME_NAMES[kind], "counter": counter, **decoded}
    hexs = frame(kind, counter, payload_fn(decoded)).hex()
    v = {"name": name, "characteristic": characteristic, "hex": hexs, "decoded": d}
    if driver:
        v["driver"] = driver
    if note:
        v["note"] = note
    vectors.append(v)
    return bytes.fromhex(hexs)


def invalid(name, characteristic, data: bytes, error: dict, note=None, **extra):
    v = {"name": name, "characteristic": characteristic, "hex": data.hex(), "error": error}
    v.update(extra)
    if note:
        v["note"] = note
    vectors.append(v)


FRAME_NAMES = {STATUS: "status", ANNUNCIATION: "annunciation", HISTORY_RECORD: "history_record",
               HISTORY_REQUEST: "history_request", HISTORY_RESPONSE: "history_response",
               FEATURES: "features"}

# ------------------------------------------------------------------------------------------ valid
STATUS_OK = {"pump_time": "2026-01-05T09:00:00Z", "reservoir_volume_ul": 18500,
             "reservoir_capacity_ul": 40000, "mode": "continuous", "daily_dose_ug_per_day": 5000,
             "concentration_ug_per_ml": 25000, "battery_percent": 87, "battery_indicator": "normal",
             "drug": "morphine"}
status_ok = valid("status: implanted 40 mL, morphine 25 mg/mL at 5 mg/day", "status", STATUS,
                  status_payload, STATUS_OK, counter=7, driver="implanted")
valid("status: flex schedule, hydromorphone, battery at ERI", "status", STATUS, status_payload,
      {**STATUS_OK, "reservoir_capacity_ul": 20000, "reservoir_volume_ul": 2000, "mode": "flex",
       "drug": "hydromorphone", "concentration_ug_per_ml": 10000, "daily_dose_ug_per_day": 2500,
       "battery_percent": 6, "battery_indicator": "eri"}, counter=255, driver="implanted")
valid("status: end of service, stopped, empty", "status", STATUS, status_payload,
      {**STATUS_OK, "reservoir_volume_ul": 0, "mode": "stopped", "battery_percent": 0,
       "battery_indicator": "eos"}, counter=0, driver="implanted")
valid("status: external cassette with a named drug mixture", "status", STATUS, status_payload,
      {**STATUS_OK, "reservoir_capacity_ul": 100000, "reservoir_volume_ul": 64250,
       "mode": "bolus", "drug": "other:morphine + bupivacaine", "concentration_ug_per_ml": 2000,
       "daily_dose_ug_per_day": 4000, "battery_percent": 55}, counter=1, driver="external")
ANN = {"sequence": 41, "pump_time": "2026-02-20T14:30:00Z", "alarm_code": 1,
       "alarm": "reservoir_low", "priority": "medium", "state": "raised", "raised_sequence": 41}
ann_ok = valid("annunciation: reservoir low raised", "annunciation", ANNUNCIATION,
               lambda d: struct.pack("<II", d["sequence"], ts(d["pump_time"])) + alarm_body(d), ANN,
               counter=3)
valid("annunciation: reservoir low cleared (refers to the raise)", "annunciation", ANNUNCIATION,
      lambda d: struct.pack("<II", d["sequence"], ts(d["pump_time"])) + alarm_body(d),
      {**ANN, "sequence": 43, "pump_time": "2026-02-24T10:05:00Z", "state": "cleared"}, counter=4)
valid("annunciation: motor stall, high priority", "annunciation", ANNUNCIATION,
      lambda d: struct.pack("<II", d["sequence"], ts(d["pump_time"])) + alarm_body(d),
      {**ANN, "sequence": 97, "raised_sequence": 97, "alarm_code": 6, "alarm": "motor_stall",
       "priority": "high"}, counter=5)
valid("annunciation: an unknown alarm code is kept, not dropped", "annunciation", ANNUNCIATION,
      lambda d: struct.pack("<II", d["sequence"], ts(d["pump_time"])) + alarm_body(d),
      {**ANN, "sequence": 98, "raised_sequence": 98, "alarm_code": 0x8001,
       "alarm": "unrecognised:32769", "priority": "high"}, counter=6,
      note="codes 0x0009-0xFFFF are reserved or maker-specific; shown with the given priority")
valid("annunciation: acknowledged at the pump", "annunciation", ANNUNCIATION,
      lambda d: struct.pack("<II", d["sequence"], ts(d["pump_time"])) + alarm_body(d),
      {**ANN, "sequence": 99, "raised_sequence": 97, "alarm_code": 6, "alarm": "motor_stall",
       "priority": "high", "state": "acknowledged"}, counter=7)
REC = {"sequence": 42, "pump_time": "2026-02-24T10:00:00Z"}
valid("history record: refill of a 40 mL pump", "history_record", HISTORY_RECORD, record_payload,
      {**REC, "event": "refill", "volume_before_ul": 1850, "volume_after_ul": 40000,
       "drug": "morphine", "concentration_ug_per_ml": 25000, "daily_dose_ug_per_day": 5500},
      counter=0)
valid("history record: refill with another drug by name", "history_record", HISTORY_RECORD,
      record_payload,
      {**REC, "sequence": 60, "event": "refill", "volume_before_ul": 2100,
       "volume_after_ul": 20000, "drug": "other:Mix A", "concentration_ug_per_ml": 500,
       "daily_dose_ug_per_day": 150}, counter=1)
valid("history record: alarm raised", "history_record", HISTORY_RECORD, record_payload,
      {**REC, "sequence": 41, "pump_time": "2026-02-20T14:30:00Z", "event": "alarm",
       "alarm_code": 3, "alarm": "battery_eri", "priority": "medium", "state": "raised",
       "raised_sequence": 41}, counter=2)
valid("history record: therapy changed to flex", "history_record", HISTORY_RECORD,
      record_payload,
      {**REC, "sequence": 44, "event": "therapy_changed", "mode": "flex",
       "daily_dose_ug_per_day": 6000}, counter=3)
valid("history record: external battery replaced", "history_record", HISTORY_RECORD,
      record_payload, {**REC, "sequence": 45, "event": "battery_replaced", "battery_percent": 100},
      counter=4)
valid("history record: clock set by the programmer", "history_record", HISTORY_RECORD,
      record_payload,
      {**REC, "sequence": 46, "event": "clock_set", "previous_time": "2026-02-24T09:58:41Z"},
      counter=5)
req_ok = valid("history control point: records since sequence 40", "history_control_point",
               HISTORY_REQUEST, lambda d: struct.pack("<BI", 1, d["after_sequence"]),
               {"opcode": "records_since", "after_sequence": 40}, counter=9)
valid("history control point: records since 0 (everything)", "history_control_point",
      HISTORY_REQUEST, lambda d: struct.pack("<BI", 1, d["after_sequence"]),
      {"opcode": "records_since", "after_sequence": 0}, counter=10)
valid("history control point: abort", "history_control_point", HISTORY_REQUEST,
      lambda d: bytes([2]), {"opcode": "abort"}, counter=11)
RESP = {"request_opcode": 1, "result": "success", "records_sent": 6, "oldest_sequence": 1,
        "newest_sequence": 46}


def resp_payload(d):
    return struct.pack("<BBIII", d["request_opcode"], RESULTS[d["result"]], d["records_sent"],
                       d["oldest_sequence"], d["newest_sequence"])


valid("history control point response: success", "history_control_point", HISTORY_RESPONSE,
      resp_payload, RESP, counter=12)
valid("history control point response: empty history", "history_control_point",
      HISTORY_RESPONSE, resp_payload,
      {**RESP, "result": "no_records", "records_sent": 0, "oldest_sequence": 0,
       "newest_sequence": 0}, counter=13)
valid("history control point response: opcode not supported", "history_control_point",
      HISTORY_RESPONSE, resp_payload,
      {**RESP, "request_opcode": 0x7F, "result": "opcode_not_supported", "records_sent": 0},
      counter=14)
FEAT = {"pump_kind": "implanted", "reservoir_kind": "chamber", "reservoir_capacity_ul": 40000,
        "flex_schedule": True, "bolus": True, "battery_replaceable": False,
        "history_capacity": 1024, "eri_to_eos_days": 90, "low_reservoir_threshold_ul": 2000}
feat_ok = valid("features: implanted 40 mL", "features", FEATURES, features_payload, FEAT,
                driver="implanted")
valid("features: external cassette", "features", FEATURES, features_payload,
      {**FEAT, "pump_kind": "external", "reservoir_kind": "cassette",
       "reservoir_capacity_ul": 100000, "flex_schedule": False, "battery_replaceable": True,
       "history_capacity": 512, "eri_to_eos_days": 0, "low_reservoir_threshold_ul": 10000},
      driver="external")
vectors.append({"name": "features: unknown flag bits are ignored", "characteristic": "features",
                "hex": frame(FEATURES, 0, features_payload(FEAT)[:6] + struct.pack("<H", 0xFFF3)
                             + features_payload(FEAT)[8:]).hex(),
                "decoded": {"frame": "features", "counter": 0, **FEAT}, "reencodes": False,
                "note": "bits 3-15 are reserved: senders set them to 0, receivers ignore them"})
vectors.append({"name": "battery level: 87 %", "characteristic": "battery_level", "hex": "57",
                "decoded": {"battery_percent": 87}})
vectors.append({"name": "device information: serial number", "characteristic": "dis_text",
                "hex": b"SIM-IT-000042".hex(), "decoded": {"text": "SIM-IT-000042"}})
vectors.append({"name": "device information: trailing NUL padding is dropped",
                "characteristic": "dis_text", "hex": b"1.0.0\0\0".hex(),
                "decoded": {"text": "1.0.0"}})
vectors.append({"name": "advertisement service data: implanted", "characteristic":
                "advertisement_data", "hex": "0101", "decoded": {"pump_kind": "implanted"}})

# ---------------------------------------------------------------------------------------- invalid
damaged = bytearray(status_ok)
damaged[5] ^= 0x10
body = bytes(damaged[:-2])
invalid("status: a bit flipped in transit (bad CRC)", "status", bytes(damaged),
        {"code": "bad_crc", "carried": struct.unpack("<H", damaged[-2:])[0],
         "computed": crc16(body)})
cut = status_ok[:-3]
invalid("status: cut short in transit (the CRC no longer matches)", "status", cut,
        {"code": "bad_crc", "carried": struct.unpack("<H", cut[-2:])[0],
         "computed": crc16(cut[:-2])})
short = reseal(status_ok[:20 - 2])
invalid("status: a short frame with a valid CRC", "status", short,
        {"code": "truncated", "needed": 22, "got": 20},
        note="the first missing field (daily dose, bytes 16-19) would end the frame at 22 bytes")
invalid("status: empty", "status", b"", {"code": "truncated", "needed": 5, "got": 0})
invalid("status: header only", "status", bytes([1, 1, 0]),
        {"code": "truncated", "needed": 5, "got": 3})
long = reseal(status_ok[:-2] + b"\x00")
invalid("status: one byte too many", "status", long,
        {"code": "too_long", "allowed": 29, "got": 30})
invalid("any: longer than the longest frame", "any", bytes([1]) + bytes(199),
        {"code": "too_long", "allowed": 128, "got": 200})
invalid("status: a future profile version", "status",
        frame(STATUS, 7, status_payload(STATUS_OK), version=2),
        {"code": "unsupported_version", "version": 2, "supported": 1},
        note="the version is checked before the CRC, whose scheme a later version may change")
invalid("status: version 0", "status", frame(STATUS, 7, status_payload(STATUS_OK), version=0),
        {"code": "unsupported_version", "version": 0, "supported": 1})
invalid("status characteristic carrying a features frame", "status", feat_ok,
        {"code": "wrong_frame_kind", "expected": 1, "found": 6})
invalid("any: unknown frame kind", "any", frame(0x09, 0, b"\x00\x00"),
        {"code": "unknown_frame_kind", "kind": 9})
p = bytearray(status_payload(STATUS_OK))
p[12] = 7
invalid("status: unknown infusion mode", "status", frame(STATUS, 7, bytes(p)),
        {"code": "unknown_value", "field": "mode", "value": 7})
p = bytearray(status_payload(STATUS_OK))
p[22] = 3
invalid("status: unknown battery indicator", "status", frame(STATUS, 7, bytes(p)),
        {"code": "unknown_value", "field": "battery_indicator", "value": 3})
p = bytearray(status_payload(STATUS_OK))
p[23] = 0x09
invalid("status: unknown drug code", "status", frame(STATUS, 7, bytes(p)),
        {"code": "unknown_value", "field": "drug", "value": 9})
invalid("status: battery above 100 %", "status",
        frame(STATUS, 7, status_payload({**STATUS_OK, "battery_percent": 101})),
        {"code": "out_of_range", "field": "battery_percent"})
invalid("status: more in the reservoir than it holds", "status",
        frame(STATUS, 7, status_payload({**STATUS_OK, "reservoir_volume_ul": 40001})),
        {"code": "out_of_range", "field": "reservoir_volume"})
invalid("status: zero capacity", "status",
        frame(STATUS, 7, status_payload({**STATUS_OK, "reservoir_capacity_ul": 0,
                                         "reservoir_volume_ul": 0})),
        {"code": "out_of_range", "field": "reservoir_capacity"})
invalid("status: drug name of length 0", "status",
        frame(STATUS, 7, status_payload(STATUS_OK)[:-1] + bytes([0xFF, 0])),
        {"code": "out_of_range", "field": "drug_name_length"})
invalid("status: drug name that is not UTF-8", "status",
        frame(STATUS, 7, status_payload(STATUS_OK)[:-1] + bytes([0xFF, 2, 0xC3, 0x28])),
        {"code": "invalid_text", "field": "drug_name"})
invalid("status: drug name longer than announced", "status",
        frame(STATUS, 7, status_payload(STATUS_OK)[:-1] + bytes([0xFF, 10]) + b"abc"),
        {"code": "truncated", "needed": 40, "got": 33},
        note="the 10-byte name would end at payload byte 35, so the frame needs 3 + 35 + 2 = 40 bytes")
invalid("status: a repeated E2E counter (duplicate)", "status", status_ok,
        {"code": "counter_repeated", "counter": 7}, previous_counter=7,
        note="the phone had accepted a status frame with counter 7 just before")
invalid("status: 100 mL reported by an implanted pump", "status",
        frame(STATUS, 7, status_payload({**STATUS_OK, "reservoir_capacity_ul": 100000})),
        {"code": "not_for_this_pump", "field": "reservoir_capacity"}, driver="implanted",
        note="valid for the profile; refused by the implanted driver")
invalid("status: implanted pump infusing at end of service", "status",
        frame(STATUS, 7, status_payload({**STATUS_OK, "battery_indicator": "eos",
                                         "battery_percent": 0})),
        {"code": "not_for_this_pump", "field": "mode"}, driver="implanted")
ann_payload = ann_ok[3:-2]
invalid("annunciation: sequence 0", "annunciation",
        frame(ANNUNCIATION, 3, struct.pack("<I", 0) + ann_payload[4:-4] + struct.pack("<I", 0)),
        {"code": "out_of_range", "field": "sequence"})
invalid("annunciation: a raise that refers to another sequence", "annunciation",
        frame(ANNUNCIATION, 3, ann_payload[:-4] + struct.pack("<I", 40)),
        {"code": "out_of_range", "field": "raised_sequence"})
invalid("annunciation: a clear that refers to a later sequence", "annunciation",
        frame(ANNUNCIATION, 3, ann_payload[:-5] + bytes([2]) + struct.pack("<I", 41)),
        {"code": "out_of_range", "field": "raised_sequence"})
invalid("annunciation: unknown priority", "annunciation",
        frame(ANNUNCIATION, 3, ann_payload[:10] + bytes([0]) + ann_payload[11:]),
        {"code": "unknown_value", "field": "priority", "value": 0})
invalid("annunciation: unknown state", "annunciation",
        frame(ANNUNCIATION, 3, ann_payload[:11] + bytes([4]) + ann_payload[12:]),
        {"code": "unknown_value", "field": "state", "value": 4})
invalid("annunciation: alarm code 0", "annunciation",
        frame(ANNUNCIATION, 3, ann_payload[:8] + bytes([0, 0]) + ann_payload[10:]),
        {"code": "out_of_range", "field": "alarm_code"})
invalid("history record: unknown event type", "history_record",
        frame(HISTORY_RECORD, 0, struct.pack("<II", 42, ts(REC["pump_time"])) + bytes([9])),
        {"code": "unknown_value", "field": "event_type", "value": 9})
invalid("history record: refill above 1000 mL", "history_record",
        frame(HISTORY_RECORD, 0, record_payload(
            {**REC, "event": "refill", "volume_before_ul": 0, "volume_after_ul": 1_000_001,
             "drug": "morphine", "concentration_ug_per_ml": 1, "daily_dose_ug_per_day": 1})),
        {"code": "out_of_range", "field": "volume_after"})
invalid("history control point: unknown opcode (the pump answers opcode_not_supported)",
        "history_control_point", frame(HISTORY_REQUEST, 0, bytes([0x7F])),
        {"code": "unknown_value", "field": "opcode", "value": 127})
invalid("history control point response: oldest after newest", "history_control_point",
        frame(HISTORY_RESPONSE, 0, resp_payload({**RESP, "oldest_sequence": 50})),
        {"code": "out_of_range", "field": "oldest_sequence"})
invalid("history control point response: unknown result", "history_control_point",
        frame(HISTORY_RESPONSE, 0, bytes([1, 9]) + resp_payload(RESP)[2:]),
        {"code": "unknown_value", "field": "result", "value": 9})
fp = features_payload(FEAT)
invalid("features: unknown pump kind", "features", frame(FEATURES, 0, bytes([3]) + fp[1:]),
        {"code": "unknown_value", "field": "pump_kind", "value": 3})
invalid("features: unknown reservoir kind", "features",
        frame(FEATURES, 0, fp[:1] + bytes([4]) + fp[2:]),
        {"code": "unknown_value", "field": "reservoir_kind", "value": 4})
invalid("features: history capacity 0", "features",
        frame(FEATURES, 0, features_payload({**FEAT, "history_capacity": 0})),
        {"code": "out_of_range", "field": "history_capacity"})
invalid("battery level: 101 %", "battery_level", bytes([101]),
        {"code": "out_of_range", "field": "battery_level"})
invalid("battery level: empty", "battery_level", b"", {"code": "truncated", "needed": 1, "got": 0})
invalid("battery level: two bytes", "battery_level", bytes([50, 0]),
        {"code": "too_long", "allowed": 1, "got": 2})
invalid("device information: not UTF-8", "dis_text", bytes([0x53, 0xFF]),
        {"code": "invalid_text", "field": "text"})
invalid("device information: control character", "dis_text", b"SIM\n1",
        {"code": "invalid_text", "field": "text"})
invalid("advertisement service data: future version", "advertisement_data", bytes([2, 1]),
        {"code": "unsupported_version", "version": 2, "supported": 1})

doc = {
    "profile": "Thecal Pump Profile",
    "version": VERSION,
    "spec": "docs/gatt-profile.md",
    "generated_by": "tests/vectors/generate.py",
    "crc": "CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR), "
           "over every byte before it, sent little-endian; check value crc(\"123456789\") = 0x29B1",
    "received_at": "2026-01-05T09:00:07Z",
    "how_to_check": [
        "characteristic names the decoder: status, annunciation, history_record, "
        "history_control_point (request or response, by the frame kind byte), features, "
        "battery_level, dis_text, advertisement_data, any (decode by the frame kind byte)",
        "decoded: the frame's fields; a status reading's taken_at is received_at",
        "error: 'code' plus the listed fields must match (other fields, such as a reason text, "
        "are not compared)",
        "previous_counter: feed this counter to a fresh E2E counter tracker first, then the "
        "decoded frame's counter",
        "driver: also apply that pump driver's checks (implanted or external)",
        "valid frames re-encode to the same hex, unless reencodes is false",
    ],
    "vectors": vectors,
}
with open("pump-profile-v1.json", "w") as f:
    json.dump(doc, f, indent=1, ensure_ascii=False)
    f.write("\n")
print(f"{len(vectors)} vectors written")
