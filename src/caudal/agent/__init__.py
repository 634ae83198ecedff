"""Agents: claim due runs from the server and run them, anywhere.

``Agent`` is the loop (claim, launch, supervise); a ``Launcher`` turns a claimed run into a
process (``LocalLauncher``: a child process on this machine; ``KubernetesLauncher`` in
``caudal.agent.kubernetes``: a Job in a cluster). ``caudal agent start`` and ``caudal agent
kubernetes start`` run one, as do ``LocalAgent().start()`` and ``KubernetesAgent().start()``.
The agent never loads a flow: each run's own process does (``caudal execute flow-run``).
"""

from caudal.agent.agent import Agent, AgentSettings
from caudal.agent.agents import KubernetesAgent, LocalAgent
from caudal.agent.launcher import Launched, Launcher, LaunchSpec
from caudal.agent.local import LocalLauncher

__all__ = ["Agent", "AgentSettings", "KubernetesAgent", "LaunchSpec", "Launched", "Launcher",
           "LocalAgent", "LocalLauncher"]
