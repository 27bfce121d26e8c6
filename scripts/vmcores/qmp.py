#!/usr/bin/env python3
"""qmp.py SOCKET COMMAND [JSON-ARGS] — send one QMP command to QEMU, print the reply.

Exits 1 when QEMU answers with an error.  Used by scenario.sh for stop/cont,
dump-guest-memory (synchronous: returns when the dump file is complete) and quit.
"""
import json, socket, sys

def main():
    sock, cmd = sys.argv[1], sys.argv[2]
    args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    f = s.makefile("rw")
    json.loads(f.readline())                      # greeting
    f.write(json.dumps({"execute": "qmp_capabilities"}) + "\n"); f.flush()
    json.loads(f.readline())
    msg = {"execute": cmd}
    if args is not None:
        msg["arguments"] = args
    f.write(json.dumps(msg) + "\n"); f.flush()
    while True:
        line = f.readline()
        if not line:                              # quit closes the socket
            return 0
        r = json.loads(line)
        if "event" in r:
            continue
        print(json.dumps(r))
        return 1 if "error" in r else 0

if __name__ == "__main__":
    sys.exit(main())
