"""Agents: claim due runs from the server and run them, anywhere.

``Agent`` is the loop (claim, launch, supervise); a ``Launcher`` turns a claimed run into a
process (``LocalLauncher``: a child process on this machine). ``caudal agent start`` runs
one. The agent never loads a flow: each run's own process does (``caudal execute
flow-run``).
"""

from caudal.agent.agent import Agent, AgentSettings
from caudal.agent.launcher import Launched, Launcher, LaunchSpec
from caudal.agent.local import LocalLauncher

__all__ = ["Agent", "AgentSettings", "LaunchSpec", "Launched", "Launcher", "LocalLauncher"]
