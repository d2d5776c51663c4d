"""fetch-offline and fetch (docs/engine.md, "The stages"): the engine has acquired and cached
the config by the time these run; what is left is fetch-offline's question "does the rest need
the network?"."""

from __future__ import annotations

from ignition.fetch import NeedsNetwork
from ignition.fetch.neednet import network_reason
from ignition.stages import StageContext


def run_offline(ctx: StageContext) -> None:
    reason = network_reason(ctx.config)
    if reason is not None:
        raise NeedsNetwork(f"config needs the network at {reason}")
    ctx.system.log.info("fetch-offline complete: the config needs no network")


def run(ctx: StageContext) -> None:
    # the fast path of an idle fetch stage logs the same line (ignition.engine.idle.FETCHED)
    ctx.system.log.info("fetch complete")
