"""Whether a notebook's lifecycle configuration really stops it when idle: evidence for
`idle-notebook`.

A lifecycle configuration attached to a notebook says nothing by its name: most install packages
or mount storage. What stops an idle notebook is a script that checks Jupyter's idleness and calls
StopNotebookInstance, like AWS's auto-stop-idle sample (`autostop.py`, `IDLE_TIME`, run from
cron) or the one this bot installs (`sm-cost-bot-autostop`). DescribeNotebookInstanceLifecycleConfig
returns the OnStart / OnCreate scripts base64-encoded; they are decoded and searched for those
marks. One Describe per distinct configuration among the idle notebooks, never per notebook.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.aws.session import error_code, error_message

PERMISSION = "sagemaker:DescribeNotebookInstanceLifecycleConfig"
# AWS's sample and ours: the script name, the sample's idle setting, or the stop call itself.
AUTO_STOP_MARKS = re.compile(
    r"autostop|auto-stop-idle|sm-cost-bot-autostop|stop[-_]notebook[-_]instance", re.IGNORECASE
)
IDLE_TIME = re.compile(r"IDLE_TIME\s*=\s*(\d+)")


class LifecycleReading(BaseModel):
    """One configuration's scripts (decoded), or why they could not be read."""

    model_config = ConfigDict(frozen=True)

    scripts: dict[str, str] = {}  # "OnStart" / "OnCreate" -> text
    unreadable: str | None = None


def get_lifecycle_configs(sagemaker: Any, names: list[str | None]) -> dict[str, LifecycleReading]:
    """Describe each distinct configuration once; a failure is that configuration's reading."""
    readings = {}
    for name in sorted({n for n in names if n}):
        try:
            config = sagemaker.describe_notebook_instance_lifecycle_config(
                NotebookInstanceLifecycleConfigName=name
            )
        except Exception as exc:
            code = error_code(exc)
            readings[name] = LifecycleReading(unreadable=f"{code or 'error'}: {error_message(exc)}")
            continue
        readings[name] = LifecycleReading(scripts=decoded_scripts(config))
    return readings


def decoded_scripts(config: dict[str, Any]) -> dict[str, str]:
    scripts = {}
    for hook in ("OnStart", "OnCreate"):
        parts = []
        for entry in config.get(hook) or []:
            try:
                parts.append(base64.b64decode(entry.get("Content", "")).decode(errors="replace"))
            except (binascii.Error, ValueError):
                parts.append("")
        if parts:
            scripts[hook] = "\n".join(parts)
    return scripts


def auto_stop_evidence(name: str | None, reading: LifecycleReading | None) -> dict[str, Any]:
    """`auto_stop_lifecycle_config_attached` is True only for a script with an idle auto-stop;
    None when a configuration is attached but could not be read."""
    if not name:
        return {"lifecycle_config": None, "auto_stop_lifecycle_config_attached": False,
                "lifecycle_auto_stop": "no lifecycle configuration attached"}
    if reading is None or reading.unreadable is not None:
        why = reading.unreadable if reading else "not read"
        return {"lifecycle_config": name, "auto_stop_lifecycle_config_attached": None,
                "lifecycle_auto_stop": f"lifecycle configuration {name} unreadable ({why})"}
    hooks = [hook for hook, text in reading.scripts.items() if AUTO_STOP_MARKS.search(text)]
    evidence: dict[str, Any] = {"lifecycle_config": name,
                                "auto_stop_lifecycle_config_attached": bool(hooks)}
    if not hooks:
        evidence["lifecycle_auto_stop"] = f"lifecycle configuration {name} has no idle auto-stop"
        return evidence
    idle = IDLE_TIME.search(reading.scripts[hooks[0]])
    after = f" after {int(idle[1]) // 60} idle minutes" if idle else ""
    evidence["lifecycle_auto_stop"] = (
        f"lifecycle configuration {name} ({hooks[0]}) contains an idle auto-stop{after}, yet the"
        " notebook is still running: check the script's log"
    )
    return evidence
