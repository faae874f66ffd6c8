"""What the benchmarks say about the machine they ran on: the CPU's name and the matmul features that decide its
speed (AVX512-BF16, AMX), so that figures from different machines are not compared as if they were one."""

from __future__ import annotations

import os
import platform
from pathlib import Path

FEATURES = {"avx512_bf16": "AVX512-BF16", "amx_bf16": "AMX"}


def cpu_name() -> str:
    info = Path("/proc/cpuinfo")
    for line in info.read_text().splitlines() if info.exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def cpu_features() -> list[str]:
    """The bf16 matmul features the CPU lists (AVX512-BF16, AMX)."""
    info = Path("/proc/cpuinfo")
    lines = info.read_text().splitlines() if info.exists() else []
    flags = next((ln.split(":", 1)[1].split() for ln in lines if ln.startswith("flags")), [])
    return [name for flag, name in FEATURES.items() if flag in flags]


def describe() -> str:
    """E.g. "Intel(R) Xeon(R) Processor (AVX512-BF16, AMX), 2 cores"."""
    features = ", ".join(cpu_features())
    return f"{cpu_name()}{f' ({features})' if features else ''}, {os.cpu_count()} cores"
