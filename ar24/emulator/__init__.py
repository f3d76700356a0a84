"""Local AR24 emulator: ``python3 -m ar24.emulator --port 8024`` (see README)."""

from .server import EmulatorApp

__all__ = ["EmulatorApp"]
