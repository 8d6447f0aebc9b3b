#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
#
# Host side of the device model control channel of the test VM.
#   model-relay.py QMP_SOCKET CTL_SOCKET QOM_PATH [LOG]
# QEMU listens on both unix sockets: QMP_SOCKET is its QMP monitor,
# CTL_SOCKET the back end of a serial port of the guest. A guest test sends
# one request per line on that port,
#   <seq> qom-set <property> <value>
#   <seq> qom-get <property>
# and gets one line back, "<seq> ok [<value>]" or "<seq> error <reason>".
# Only the fault injection properties of the intel-dsa model at QOM_PATH are
# reachable. The relay ends when QEMU closes either socket.

import json
import socket
import sys
import time

CONNECT_TIMEOUT = 30
QMP_TIMEOUT = 10
MAX_LINE = 256

# property: (type, writable); "uint" values must fit in the given bits
PROPERTIES = {
    "fail-count": ("uint32", True),
    "fail-status": ("uint8", True),
    "delay-us": ("uint32", True),
    "drop-irqs": ("uint32", True),
    "halt": ("bool", True),
    "dropped-descs": ("uint32", False),
}
UINT_BITS = {"uint8": 8, "uint32": 32}


class RequestError(Exception):
    pass


def log(msg):
    print(f"model-relay: {msg}", file=sys.stderr, flush=True)


def connect(path):
    """Connect to a unix socket QEMU listens on, waiting for it to appear."""
    deadline = time.monotonic() + CONNECT_TIMEOUT
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


class Qmp:
    def __init__(self, path):
        self.sock = connect(path)
        self.sock.settimeout(QMP_TIMEOUT)
        self.rfile = self.sock.makefile("r", encoding="utf-8")
        greeting = self._read()
        if "QMP" not in greeting:
            raise RuntimeError(f"no QMP greeting: {greeting}")
        self.execute("qmp_capabilities")

    def _read(self):
        line = self.rfile.readline()
        if not line:
            raise EOFError("QMP socket closed")
        return json.loads(line)

    def execute(self, command, arguments=None):
        msg = {"execute": command}
        if arguments is not None:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise RequestError(reply["error"].get("desc", "QMP error"))
            # asynchronous events are of no interest here


def parse_value(prop, text):
    kind = PROPERTIES[prop][0]
    if kind == "bool":
        if text not in ("true", "false"):
            raise RequestError(f"{prop} takes true or false, not '{text}'")
        return text == "true"
    try:
        value = int(text, 0)
    except ValueError:
        raise RequestError(f"{prop} takes an integer, not '{text}'")
    if value < 0 or value >= 1 << UINT_BITS[kind]:
        raise RequestError(f"{prop} is a {kind}: {text} is out of range")
    return value


def handle(qmp, qom_path, words):
    """Run one request (without its sequence number); return the reply."""
    if len(words) < 2 or words[0] not in ("qom-set", "qom-get"):
        raise RequestError("expected 'qom-set PROPERTY VALUE' or "
                           "'qom-get PROPERTY'")
    verb, prop = words[0], words[1]
    if prop not in PROPERTIES:
        raise RequestError(f"'{prop}' is not a model property the guest may "
                           f"use ({', '.join(sorted(PROPERTIES))})")
    if verb == "qom-get":
        if len(words) != 2:
            raise RequestError("qom-get takes one property")
        value = qmp.execute("qom-get", {"path": qom_path, "property": prop})
        return "ok " + (json.dumps(value) if isinstance(value, bool)
                        else str(value))
    if len(words) != 3:
        raise RequestError("qom-set takes a property and a value")
    if not PROPERTIES[prop][1]:
        raise RequestError(f"'{prop}' is read-only")
    qmp.execute("qom-set", {"path": qom_path, "property": prop,
                            "value": parse_value(prop, words[2])})
    return "ok"


def serve(qmp, ctl, qom_path):
    buf = b""
    while True:
        data = ctl.recv(4096)
        if not data:
            return
        buf += data
        while b"\n" in buf:
            raw, buf = buf.split(b"\n", 1)
            line = raw.decode("ascii", "replace").strip()
            if not line:
                continue
            words = line.split()
            seq = words[0]
            if not seq.isdigit():
                log(f"ignoring a line without sequence number: {line!r}")
                continue
            try:
                reply = handle(qmp, qom_path, words[1:])
            except RequestError as err:
                reply = f"error {err}"
            log(f"{line} -> {reply}")
            ctl.sendall(f"{seq} {reply}\n".encode())
        if len(buf) > MAX_LINE:
            log("dropping an over-long request")
            buf = b""


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: model-relay.py QMP_SOCKET CTL_SOCKET QOM_PATH [LOG]")
    qmp_path, ctl_path, qom_path = sys.argv[1:4]
    if len(sys.argv) == 5:
        sys.stderr = open(sys.argv[4], "a", encoding="utf-8")
    try:
        qmp = Qmp(qmp_path)
        ctl = connect(ctl_path)
        log(f"relaying requests for {qom_path}")
        serve(qmp, ctl, qom_path)
    except (OSError, EOFError, RuntimeError, ValueError) as err:
        log(f"stopping: {err}")
        sys.exit(1)
    log("guest port closed, stopping")


if __name__ == "__main__":
    main()
