#!/usr/bin/env python3
"""Writes Thecal's own FHIR R4 definitions (code systems and extensions) into this folder, one
JSON file each: what core/src/export/fhir writes under its BASE, given to HAPI's validator
(tests/fhir/validate.sh) so that every code and extension of a Thecal bundle is checked against
its definition. Run it after changing the bundle's own codes or extensions; commit its output.

    python3 tests/fhir/definitions/make.py
"""
import json
import os

BASE = "https://thecal.example/fhir"  # core/src/export/fhir/mod.rs: BASE
HERE = os.path.dirname(os.path.abspath(__file__))

CODE_SYSTEMS = {
    "pump-kind": ("Kinds of intrathecal drug pump", [
        ("implanted", "Implanted intrathecal drug pump"),
        ("external", "External intrathecal drug pump"),
    ]),
    "reservoir-kind": ("Kinds of pump reservoir", [
        ("chamber", "Implanted chamber"),
        ("cassette", "Cassette"),
        ("bag", "Bag"),
    ]),
    "device-property": ("Properties and versions of a pump that Thecal records", [
        ("reservoir-capacity", "Reservoir capacity"),
        ("reservoir-kind", "Reservoir kind"),
        ("low-reservoir-threshold", "Low reservoir alarm threshold"),
        ("eri-to-eos", "Days from elective replacement to end of service"),
        ("eri-battery-level", "Battery level of the elective replacement indicator"),
        ("service-life", "Longest service life to elective replacement"),
        ("firmware-revision", "Firmware revision"),
        ("hardware-revision", "Hardware revision"),
    ]),
    "intrathecal-drug": ("Drugs an intrathecal pump holds that Thecal names", [
        ("morphine", "Morphine"), ("hydromorphone", "Hydromorphone"), ("fentanyl", "Fentanyl"),
        ("sufentanil", "Sufentanil"), ("baclofen", "Baclofen"), ("ziconotide", "Ziconotide"),
        ("bupivacaine", "Bupivacaine"), ("clonidine", "Clonidine"),
    ]),
    # Thecal's own wording (docs/decisions/0007-pain-item-wording.md), not the Brief Pain
    # Inventory's.
    "pain-item": ("Optional items of a pain diary entry", [
        ("worst", "Strongest pain of the last day"),
        ("least", "Mildest pain of the last day"),
        ("average", "Usual pain level"),
        ("now", "Pain at the time of the entry"),
        ("general-activity", "Pain got in the way of day-to-day activity"),
        ("mood", "Pain got in the way of mood"),
        ("walking", "Pain got in the way of getting about on foot"),
        ("normal-work", "Pain got in the way of usual work, paid or at home"),
        ("relations", "Pain got in the way of time with other people"),
        ("sleep", "Pain got in the way of sleep"),
        ("enjoyment", "Pain got in the way of enjoying life"),
    ]),
    "medication-route": ("How a dose of the medication log was taken", [
        ("oral", "Swallowed"), ("sublingual", "Under the tongue or in the cheek"),
        ("transdermal", "Through the skin"), ("intranasal", "Nasal spray"),
        ("injection", "Injection"), ("rectal", "Rectal"), ("other", "Another way"),
    ]),
}

# name: (value type, contexts, description)
EXTENSIONS = {
    "time-zone": ("code", ["Observation", "MedicationStatement"],
                  "The patient's time zone (IANA name) when the entry was made: the local day it counts for."),
    "entry-recorded": ("instant", ["Observation"], "When the diary entry was first saved."),
    "refill-volume-after": ("Quantity", ["Procedure"], "The volume in the reservoir after the refill."),
    "refill-volume-before": ("Quantity", ["Procedure"], "The volume withdrawn and measured just before the refill (the residual)."),
    "refill-expected-before": ("Quantity", ["Procedure"], "The volume the pump expected to be left at the refill."),
    "refill-programmed-volume": ("Quantity", ["Procedure"], "The volume the pump was programmed to deliver since the refill before."),
    "refill-place": ("code", ["Procedure"], "Where the refill was done: clinic or home."),
    "refill-source": ("code", ["Procedure"], "Where the refill record comes from: pump (its history) or manual (entered in the app)."),
    "pump-history-sequence": ("string", ["Procedure"], "The pump's sequence number of the refill event in its history (decimal)."),
    "refill-discussed": ("dateTime", ["Procedure"], "When the patient marked a flagged refill as discussed with the clinic."),
}


def camel(name):
    return "".join(p.capitalize() for p in name.split("-"))


def write(name, resource):
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(resource, f, indent=2, ensure_ascii=False)
        f.write("\n")


for name, (title, concepts) in CODE_SYSTEMS.items():
    write("CodeSystem-" + name, {
        "resourceType": "CodeSystem",
        "id": name,
        "url": f"{BASE}/CodeSystem/{name}",
        "version": "1",
        "name": camel(name),
        "title": title,
        "status": "active",
        "publisher": "Thecal",
        "description": title + ", as Thecal exports them.",
        "caseSensitive": True,
        "content": "complete",
        "count": len(concepts),
        "concept": [{"code": c, "display": d} for c, d in concepts],
    })

for name, (value_type, contexts, description) in EXTENSIONS.items():
    url = f"{BASE}/StructureDefinition/{name}"
    write("StructureDefinition-" + name, {
        "resourceType": "StructureDefinition",
        "id": name,
        "url": url,
        "version": "1",
        "name": camel(name),
        "status": "active",
        "publisher": "Thecal",
        "description": description,
        "fhirVersion": "4.0.1",
        "kind": "complex-type",
        "abstract": False,
        "context": [{"type": "element", "expression": c} for c in contexts],
        "type": "Extension",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension",
        "derivation": "constraint",
        "differential": {"element": [
            {"id": "Extension", "path": "Extension", "short": description, "definition": description, "max": "1"},
            {"id": "Extension.extension", "path": "Extension.extension", "max": "0"},
            {"id": "Extension.url", "path": "Extension.url", "fixedUri": url},
            {"id": "Extension.value[x]", "path": "Extension.value[x]", "min": 1, "type": [{"code": value_type}]},
        ]},
    })
print(f"{len(CODE_SYSTEMS)} code systems, {len(EXTENSIONS)} extensions -> {HERE}")
