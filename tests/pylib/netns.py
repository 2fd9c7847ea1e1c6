"""Hosts made of Linux network namespaces, for tests/integration/test_95_hosts.py.

A hub namespace and N host namespaces; host i is joined to the hub by a
veth pair on its own /24 of 198.18.0.0/15 (RFC 2544's range for benchmark
networks): the hub is 198.18.i.1 on that link, the host 198.18.i.2. The
addresses exist only inside the namespaces; nothing is added to the
machine's own network. Every step that fails raises: a machine where
namespaces cannot be made fails the test, it does not skip it.
"""
import contextlib
import ctypes
import os
import signal
import subprocess
import time

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def ip(*args):
    p = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        raise AssertionError(f"ip {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}"
                             " (network namespaces need root and CAP_NET_ADMIN)")
    return p.stdout


@contextlib.contextmanager
def inside(name):
    """Runs the block's sockets (and the processes it starts) in namespace
    name: setns(2) on this thread only, switched back at the end."""
    back = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    there = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if _libc.setns(there, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, f"setns {name}: {os.strerror(e)}")
        try:
            yield
        finally:
            if _libc.setns(back, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back")
    finally:
        os.close(there)
        os.close(back)


class Net:
    def __init__(self, prefix, hosts):
        self.hub = f"{prefix}h"
        self.hosts = [f"{prefix}r{i}" for i in range(1, hosts + 1)]
        self.made = []

    @staticmethod
    def hub_addr(i):
        return f"198.18.{i}.1"

    @staticmethod
    def host_addr(i):
        return f"198.18.{i}.2"

    def make(self):
        for ns in [self.hub] + self.hosts:
            ip("netns", "add", ns)
            self.made.append(ns)
            ip("-n", ns, "link", "set", "lo", "up")
        for i, ns in enumerate(self.hosts, 1):
            # Made in the hub, its peer moved to the host at once: no
            # interface ever exists in the machine's own namespace.
            ip("-n", self.hub, "link", "add", f"r{i}", "type", "veth",
               "peer", "name", "eth0", "netns", ns)
            ip("-n", self.hub, "addr", "add", f"{self.hub_addr(i)}/24", "dev", f"r{i}")
            ip("-n", ns, "addr", "add", f"{self.host_addr(i)}/24", "dev", "eth0")
            ip("-n", self.hub, "link", "set", f"r{i}", "up")
            ip("-n", ns, "link", "set", "eth0", "up")

    def exec(self, ns, argv):
        return ["ip", "netns", "exec", ns, *argv]

    def pids(self, ns):
        p = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True)
        return [int(x) for x in p.stdout.split()]

    def kill_all(self, ns, sig=signal.SIGKILL):
        """Sends sig to every process of namespace ns until none is left."""
        for _ in range(50):
            pids = self.pids(ns)
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)
        raise AssertionError(f"processes left in {ns}: {self.pids(ns)}")

    def remove(self):
        for ns in reversed(self.made):
            self.kill_all(ns)
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        self.made = []
