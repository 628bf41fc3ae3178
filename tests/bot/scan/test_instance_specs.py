"""Instance specs come from Price List product attributes, bundled and live alike."""

from __future__ import annotations

import json

from bot.scan.instance_specs import load_instance_specs, spec_from_attributes, specs_from_price_list
from bot.scan.pricing import load_prices

# Shaped like a pricing:GetProducts PriceList entry (a JSON string per product).
G5_12XL = json.dumps({
    "product": {
        "productFamily": "ML Instance",
        "attributes": {
            "regionCode": "us-east-1", "usagetype": "USE1-Host:ml.g5.12xlarge",
            "platoinstancetype": "Hosting", "instanceName": "ml.g5.12xlarge", "vCpu": "48",
            "memory": "192 GiB", "gpu": "4", "gpuMemory": "96 GB", "physicalGpu": "NVIDIA A10G",
        },
    },
    "terms": {},
})


def test_a_price_list_entry_gives_vcpus_memory_and_gpus():
    spec = specs_from_price_list([G5_12XL])["ml.g5.12xlarge"]
    assert (spec.vcpus, spec.memory_gib, spec.gpus, spec.gpu_memory_gib, spec.gpu_model) == (
        48, 192.0, 4, 96.0, "NVIDIA A10G"
    )


def test_a_cpu_instance_has_no_gpus_whatever_na_spelling_aws_uses():
    for na in ("N/A", "NA", ""):
        spec = spec_from_attributes({
            "usagetype": "USE1-Host:ml.m5.xlarge", "vCpu": "4", "memory": "16 GiB",
            "gpu": na, "gpuMemory": na, "physicalGpu": na,
        })
        assert (spec.instance_type, spec.gpus, spec.gpu_memory_gib, spec.gpu_model) == (
            "ml.m5.xlarge", 0, 0.0, None
        )


def test_a_record_without_vcpus_gives_no_spec():
    assert spec_from_attributes({"instanceName": "ml.m5.xlarge", "memory": "16 GiB"}) is None


def test_the_common_hosting_families_have_a_bundled_spec():
    # The price table also lists types without a bundled spec (g6, g6e, p4de, p5, trn1 …): the
    # hosting advisor gives such variants no advice (it cannot size what it cannot measure).
    specs = set(load_instance_specs())
    hosting = set(load_prices().prices["us-east-1"]["hosting"])
    common = {t for t in hosting if t.split(".")[1] in {"t2", "m5", "c5", "r5", "g4dn", "g5", "p3", "inf2"}}
    assert common, "the price table lost its common families"
    assert common - specs == set()
