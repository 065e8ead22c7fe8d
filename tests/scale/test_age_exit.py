"""A process that abandons an age reader part-way (the desk refusing a bundle on its first bad file) still exits
cleanly: rage's thread, waiting to hand over the next piece, is stopped before the interpreter finalises
(ending it by unwinding through Rust frames aborted the process, exit 134, after every test had passed)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

CHILD = """
import io, os, sys
from evidence_store.age_seal import AgeReader, AgeWriter, new_identity
identity, recipient = new_identity()
sealed = io.BytesIO()
writer = AgeWriter(sealed, [recipient])
for _ in range(64):
    writer.write(os.urandom(1 << 16))
writer.close()
reader = AgeReader(io.BytesIO(sealed.getvalue()), [identity])
print("read:", len(reader.read(1 << 16)), flush=True)
# the reader is abandoned part-way, never closed: rage's thread waits to hand over more; the process must end
"""


def test_an_abandoned_reader_of_a_damaged_file_lets_the_process_exit() -> None:
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.stdout.startswith("read: ") and int(done.stdout.split()[1]) > 0, done.stderr
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
