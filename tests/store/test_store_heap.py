"""``sim.store.heap``: a ClickHouse replay holds glibc's mmap threshold, so that large arrays
freed after a query page do not move later ones onto a fragmenting heap. Observed with glibc's
own counter of mapped blocks (``mallinfo2().hblks``) in fresh processes, as the setting is
process-wide and sticky."""
from __future__ import annotations

import ctypes
import subprocess
import sys

import pytest

#: Frees a 16 MiB block (which raises glibc's dynamic threshold to 16 MiB), then asks for 8 MiB
#: and prints whether that block was mapped on its own.
CHILD = """
import ctypes, sys

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]

libc = ctypes.CDLL(None)
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, (ctypes.c_size_t,)
libc.free.argtypes = (ctypes.c_void_p,)
libc.mallinfo2.restype = MallInfo2
if sys.argv[1] == "source":
    from sim.store.scan_store import ClickHouseScanSource
    try:
        ClickHouseScanSource("chdb://" + sys.argv[2])  # no database there: the source refuses, after holding
    except Exception:
        pass
libc.free(libc.malloc(16 << 20))
before = libc.mallinfo2().hblks
block = libc.malloc(8 << 20)
print(libc.mallinfo2().hblks - before)
libc.free(block)
"""


def _mapped(tmp_path, mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", CHILD, mode, str(tmp_path / "none")], capture_output=True,
                          text=True, check=True)
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(not hasattr(ctypes.CDLL(None), "mallinfo2"), reason="glibc >= 2.33 only (mallinfo2)")
def test_a_clickhouse_source_keeps_large_blocks_mapped(tmp_path):
    assert _mapped(tmp_path, "plain") == 0   # glibc's default: the threshold rose, 8 MiB came from the heap
    assert _mapped(tmp_path, "source") == 1  # held at 4 MiB: the 8 MiB block is mapped and unmapped
