"""What one GPU worker node of each GPU type is made of."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hardware:
    """One worker node's make-up, as its node entry and the cluster's versions show it."""

    gpus: int
    cpu_cores: int
    memory_gib: float
    nvswitch: tuple[str, int] | None
    infiniband: bool
    ephemeral_storage: str
    cuda_version: str
    driver_version: str


SXM = Hardware(8, 208, 1843.2, ("NVSwitch Gen3", 4), True, "28Ti", "12.4", "550.127.08")
HARDWARE = {
    "H100_SXM": SXM,
    "H100_SXM_INF": Hardware(
        8, 208, 1843.2, ("NVSwitch Gen3", 4), False, "14Ti", "12.4", "550.127.08"
    ),
    "H200_SXM": Hardware(8, 224, 2048.0, ("NVSwitch Gen3", 4), True, "28Ti", "12.6", "560.35.03"),
    "B200_SXM": Hardware(8, 224, 2048.0, ("NVSwitch Gen4", 2), True, "30Ti", "12.8", "570.133.20"),
    "RTX_6000_PCI": Hardware(4, 64, 512.0, None, False, "7Ti", "12.4", "550.127.08"),
    "L40_PCIE": Hardware(4, 64, 512.0, None, False, "7Ti", "12.4", "550.127.08"),
}


def hardware_for(gpu_type: str) -> Hardware:
    """The node hardware of a GPU type: 8 GPUs for SXM machines, 4 for PCIe cards.

    A type newer than this table is taken to be an 8-GPU SXM machine.
    """
    return HARDWARE.get(gpu_type, SXM)
