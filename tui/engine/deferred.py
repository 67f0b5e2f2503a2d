"""Modules that docker-py imports eagerly but only one kind of engine uses, loaded when used.

docker-py imports paramiko (and through it cryptography's OpenSSL bindings) whenever it is
installed, for ssh:// engines alone: about 16 MiB of the dashboard's resident memory for a
local or TLS engine that never touches it. `defer("paramiko")` puts a stand-in in its place
that imports the real module the first time one of its attributes is asked for (docker-py
asks only when it builds an ssh:// connection). importlib's LazyLoader cannot do this in
Python 3.11: the `import` statement reads the module's `__spec__`, which loads it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from typing import Any

_lock = threading.Lock()  # two engines' threads may reach the module at once


class DeferredModule(types.ModuleType):
    """Stands in for a module until one of its attributes is asked for."""

    def __getattr__(self, attribute: str) -> Any:
        # Called only for attributes the stand-in lacks: anything of the real module's.
        return getattr(self.load(), attribute)

    def load(self) -> types.ModuleType:
        """The real module, imported on the first call."""
        with _lock:
            real = self.__dict__.get("_deferred_real")
            if real is None:
                if sys.modules.get(self.__name__) is self:
                    del sys.modules[self.__name__]
                real = importlib.import_module(self.__name__)
                self.__dict__["_deferred_real"] = real
            return real


def defer(name: str) -> None:
    """Stand in for top-level module `name` until used (nothing if loaded or not installed)."""
    spec = None if name in sys.modules else importlib.util.find_spec(name)
    if spec is None:
        return
    stand_in = DeferredModule(name)
    stand_in.__spec__ = spec  # what `import` reads; the spec's own loader runs only on use
    sys.modules[name] = stand_in
