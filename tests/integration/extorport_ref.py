#!/usr/bin/python3
"""The ExtORPort vector file, recomputed by the independent reference.

tests/vectors/extorport.txt holds whole SAFE_COOKIE exchanges (cookie
file, nonces, both hashes, every byte each side sends).  tests/unit/
test_extorport.c drives lib/pt/extorport.c with them and compares every
byte; here tests/ref/extorport_ref.py, written from ext-orport-spec.txt
with Python's hmac and hashlib and sharing no code with lib/, must make
the same file, byte for byte.  Together: C and Python agree on the
vectors.  Exit 0 on success, 1 with the first differing line named.
"""
import os
import subprocess
import sys

ROOT = os.environ.get("DUST_ROOT", os.getcwd())
REF = os.path.join(ROOT, "tests", "ref", "extorport_ref.py")
VECTOR = os.path.join(ROOT, "tests", "vectors", "extorport.txt")

sys.exit(subprocess.call([sys.executable, REF, "check", VECTOR]))
