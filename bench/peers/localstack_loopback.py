"""Starts LocalStack (localstack.runtime.main) with its twisted gateway bound to GATEWAY_LISTEN's host.

localstack-core 2026.3.0 passes the host of an IPv6 GATEWAY_LISTEN address to twisted but not that
of an IPv4 one (runtime/server/twisted.py: "TODO: interface = host?"), so GATEWAY_LISTEN=127.0.0.1:port
still listens on 0.0.0.0. The benchmark's peer must stay on loopback: this wraps the IPv4 endpoint so
that an endpoint created without an interface gets that host.
"""

import os
import runpy

from twisted.internet import endpoints

HOST = os.environ.get("GATEWAY_LISTEN", "127.0.0.1").rsplit(":", 1)[0] or "127.0.0.1"
_TCP4ServerEndpoint = endpoints.TCP4ServerEndpoint


class LoopbackTCP4ServerEndpoint(_TCP4ServerEndpoint):
    def __init__(self, reactor, port, backlog=50, interface=""):
        super().__init__(reactor, port, backlog, interface or HOST)


endpoints.TCP4ServerEndpoint = LoopbackTCP4ServerEndpoint
runpy.run_module("localstack.runtime.main", run_name="__main__", alter_sys=True)
