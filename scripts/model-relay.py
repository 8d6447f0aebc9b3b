#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
#
# Host side of the device model control channel of the test VM.
#   model-relay.py [--hotplug-bus BUS] QMP_SOCKET CTL_SOCKET QOM_PATH [LOG]
# QEMU listens on both unix sockets: QMP_SOCKET is its QMP monitor,
# CTL_SOCKET the back end of a serial port of the guest. A guest test sends
# one request per line on that port,
#   <seq> qom-set <property> <value>
#   <seq> qom-get <property>
#   <seq> unplug
#   <seq> plug
# and gets one line back, "<seq> ok [<value>]" or "<seq> error <reason>".
# Only the fault injection properties of the intel-dsa model at QOM_PATH are
# reachable. With --hotplug-bus, the model sits on that hotplug-capable bus
# (a PCIe root port) and may be removed ("unplug": QMP device_del, answered
# once QEMU reports DEVICE_DELETED, that is once the guest has let it go)
# and added again with the same type and id ("plug": QMP device_add). The
# relay ends when QEMU closes either socket.

import argparse
import json
import socket
import sys
import time

CONNECT_TIMEOUT = 30
QMP_TIMEOUT = 10
# How long the guest may take to let the device go after device_del: its
# driver's remove runs in between, with clients to stop. The guest side
# (lib.sh) waits a little longer for the answer.
UNPLUG_TIMEOUT = 90
MAX_LINE = 256
PERIPHERAL = "/machine/peripheral/"

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
        self.buf = b""
        self.events = []
        greeting = self._read(QMP_TIMEOUT)
        if "QMP" not in greeting:
            raise RuntimeError(f"no QMP greeting: {greeting}")
        self.execute("qmp_capabilities")

    def _read(self, timeout):
        """Read one message; socket.timeout when none came in time."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("QMP did not answer in time")
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("QMP socket closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def execute(self, command, arguments=None):
        msg = {"execute": command}
        if arguments is not None:
            msg["arguments"] = arguments
        self.sock.settimeout(QMP_TIMEOUT)
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read(QMP_TIMEOUT)
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise RequestError(reply["error"].get("desc", "QMP error"))
            if "event" in reply:
                self.events.append(reply)

    def drop_events(self, name):
        self.events = [e for e in self.events if e["event"] != name]

    def wait_event(self, name, data_match, timeout):
        """Wait for event NAME whose data has the items of DATA_MATCH;
        return it, or None when it did not come within TIMEOUT seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                data = event.get("data", {})
                if event["event"] == name and all(
                        data.get(k) == v for k, v in data_match.items()):
                    self.events.remove(event)
                    return event
            self.events.clear()
            try:
                self.events.append(self._read(deadline - time.monotonic()))
            except socket.timeout:
                return None


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


class Hotplug:
    """Removal and re-addition of the model on its hotplug-capable bus."""

    def __init__(self, qmp, qom_path, bus):
        self.qmp = qmp
        self.qom_path = qom_path
        self.bus = bus
        self.dev_id = qom_path[len(PERIPHERAL):]
        # the type of the device once unplugged, to add it back
        self.unplugged_type = None

    def unplug(self):
        if self.unplugged_type:
            raise RequestError(f"{self.dev_id} is already unplugged")
        dev_type = self.qmp.execute("qom-get", {"path": self.qom_path,
                                                "property": "type"})
        self.qmp.drop_events("DEVICE_DELETED")
        self.qmp.execute("device_del", {"id": self.dev_id})
        if not self.qmp.wait_event("DEVICE_DELETED", {"path": self.qom_path},
                                   UNPLUG_TIMEOUT):
            raise RequestError(f"no DEVICE_DELETED for {self.dev_id} within "
                               f"{UNPLUG_TIMEOUT} s: the guest did not let "
                               "it go")
        self.unplugged_type = dev_type
        return "ok"

    def plug(self):
        if not self.unplugged_type:
            raise RequestError(f"{self.dev_id} is plugged: nothing to add "
                               "back")
        self.qmp.execute("device_add", {"driver": self.unplugged_type,
                                        "id": self.dev_id, "bus": self.bus})
        self.unplugged_type = None
        return "ok"


def handle(qmp, qom_path, hotplug, words):
    """Run one request (without its sequence number); return the reply."""
    if words in (["unplug"], ["plug"]):
        if not hotplug:
            raise RequestError(f"{words[0]}: the device is not on a "
                               "hotplug-capable bus in this VM")
        return hotplug.unplug() if words[0] == "unplug" else hotplug.plug()
    if len(words) < 2 or words[0] not in ("qom-set", "qom-get"):
        raise RequestError("expected 'qom-set PROPERTY VALUE', "
                           "'qom-get PROPERTY', 'unplug' or 'plug'")
    verb, prop = words[0], words[1]
    if prop not in PROPERTIES:
        raise RequestError(f"'{prop}' is not a model property the guest may "
                           f"use ({', '.join(sorted(PROPERTIES))})")
    if hotplug and hotplug.unplugged_type:
        raise RequestError(f"{hotplug.dev_id} is unplugged")
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


def serve(qmp, ctl, qom_path, hotplug):
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
                reply = handle(qmp, qom_path, hotplug, words[1:])
            except RequestError as err:
                reply = f"error {err}"
            log(f"{line} -> {reply}")
            ctl.sendall(f"{seq} {reply}\n".encode())
        if len(buf) > MAX_LINE:
            log("dropping an over-long request")
            buf = b""


def main():
    parser = argparse.ArgumentParser(
        description="Relay the test VM's device model requests to QMP.")
    parser.add_argument("--hotplug-bus", metavar="BUS",
                        help="the model is on this hotplug-capable bus: "
                        "allow unplug and plug")
    parser.add_argument("qmp_path", metavar="QMP_SOCKET")
    parser.add_argument("ctl_path", metavar="CTL_SOCKET")
    parser.add_argument("qom_path", metavar="QOM_PATH")
    parser.add_argument("log", metavar="LOG", nargs="?")
    args = parser.parse_args()
    if args.hotplug_bus and (not args.qom_path.startswith(PERIPHERAL) or
                             "/" in args.qom_path[len(PERIPHERAL):]):
        parser.error(f"--hotplug-bus needs a device under {PERIPHERAL}")
    if args.log:
        sys.stderr = open(args.log, "a", encoding="utf-8")
    try:
        qmp = Qmp(args.qmp_path)
        hotplug = (Hotplug(qmp, args.qom_path, args.hotplug_bus)
                   if args.hotplug_bus else None)
        ctl = connect(args.ctl_path)
        log(f"relaying requests for {args.qom_path}" +
            (f", on hotplug bus {args.hotplug_bus}" if hotplug else ""))
        serve(qmp, ctl, args.qom_path, hotplug)
    except (OSError, EOFError, RuntimeError, ValueError) as err:
        log(f"stopping: {err}")
        sys.exit(1)
    log("guest port closed, stopping")


if __name__ == "__main__":
    main()
