"""Instance specs (vCPUs, memory, accelerators and their memory) read from the Price List API.

Right-sizing needs to know that an ml.g5.12xlarge has 48 vCPUs and four A10G GPUs, because
SageMaker's CPU and GPU utilisation metrics are summed over cores and devices. The Price List API
carries these figures on every SageMaker product (`vCpu`, `memory` "16 GiB", `gpu` the device
count, `gpuMemory` the instance's accelerator memory, `physicalGpu` the device model), so specs
come with the prices instead of from a hand-kept table that would drift from AWS.

`bot/scan/data/instance_attributes.json` holds such product records for offline use; the same
`specs_from_price_list` reads them and a live `pricing:GetProducts` answer. A type without a
record has no spec, and whoever asks says "not assessed" rather than guessing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

BUNDLED_ATTRIBUTES = Path(__file__).parent / "data" / "instance_attributes.json"
_NUMBER = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)")
_NOT_APPLICABLE = {"", "na", "n/a", "none", "0"}


@dataclass(frozen=True)
class InstanceSpec:
    instance_type: str
    vcpus: int
    memory_gib: float
    gpus: int = 0  # accelerator devices (NVIDIA GPUs, Inferentia chips)
    gpu_memory_gib: float = 0.0  # the instance's accelerator memory, all devices together
    gpu_model: str | None = None

    @property
    def family(self) -> str:
        return family_of(self.instance_type)

    @property
    def accelerated(self) -> bool:
        return self.gpus > 0


def family_of(instance_type: str) -> str:
    """`ml.g5.12xlarge` → `g5`."""
    parts = instance_type.split(".")
    return parts[1] if len(parts) == 3 else instance_type


def _number(value: Any) -> float | None:
    """'16 GiB' → 16.0, '4' → 4.0, 'N/A' → None (attributes are strings with units)."""
    if value is None or str(value).strip().lower() in _NOT_APPLICABLE:
        return None
    match = _NUMBER.match(str(value).replace(",", ""))
    return float(match.group(1)) if match else None


def _instance_type(attributes: dict[str, Any]) -> str | None:
    # `instanceName` is clean on hosting rows; the usage type suffix is the fallback the price
    # parser also trusts (`USE1-Host:ml.m5.xlarge`).
    name = attributes.get("instanceName") or ""
    if name.startswith("ml."):
        return name
    usage_type = attributes.get("usagetype", "")
    suffix = usage_type.rsplit(":", 1)[-1] if ":" in usage_type else ""
    return suffix if suffix.startswith("ml.") else None


def spec_from_attributes(attributes: dict[str, Any]) -> InstanceSpec | None:
    """One product's attributes → a spec, or None when vCPUs or memory are missing."""
    instance_type = _instance_type(attributes)
    vcpus, memory = _number(attributes.get("vCpu")), _number(attributes.get("memory"))
    if instance_type is None or not vcpus or not memory:
        return None
    gpus = int(_number(attributes.get("gpu")) or 0)
    model = str(attributes.get("physicalGpu") or "").strip()
    return InstanceSpec(
        instance_type=instance_type,
        vcpus=int(vcpus),
        memory_gib=memory,
        gpus=gpus,
        gpu_memory_gib=(_number(attributes.get("gpuMemory")) or 0.0) if gpus else 0.0,
        gpu_model=model if gpus and model.lower() not in _NOT_APPLICABLE else None,
    )


def specs_from_price_list(items: Iterable[str | dict[str, Any]]) -> dict[str, InstanceSpec]:
    """PriceList entries (JSON strings, as GetProducts returns them, or dicts) → specs by type.

    Every component (hosting, training…) repeats the same hardware; the first complete record
    of a type wins.
    """
    specs: dict[str, InstanceSpec] = {}
    for raw in items:
        item = json.loads(raw) if isinstance(raw, str) else raw
        spec = spec_from_attributes(item.get("product", {}).get("attributes", {}))
        if spec is not None and spec.instance_type not in specs:
            specs[spec.instance_type] = spec
    return specs


@lru_cache(maxsize=4)
def load_instance_specs(path: Path | None = None) -> dict[str, InstanceSpec]:
    data = json.loads((path or BUNDLED_ATTRIBUTES).read_text())
    return specs_from_price_list(data["products"])


def same_family(specs: dict[str, InstanceSpec], instance_type: str) -> list[InstanceSpec]:
    """Every known size of the type's family (the type itself included)."""
    family = family_of(instance_type)
    return [s for s in specs.values() if s.family == family]
