"""The Kubernetes agent: each claimed run becomes a Job in a namespace, followed to its end.

``manifests`` builds the Jobs (and the agent's own Deployment, for ``caudal agent kubernetes
install``), ``watch`` follows jobs and pods through list and watch, and ``launcher`` puts
them together behind the agent's ``Launcher`` interface. The ``kubernetes`` client itself is
imported only when a launcher is made (``pip install 'caudal[kubernetes]'``).
"""

from caudal.agent.agents import KubernetesAgent
from caudal.agent.kubernetes.launcher import KubernetesJob, KubernetesLauncher, kubernetes_api
from caudal.agent.kubernetes.manifests import JobSettings, agent_manifests, job_manifest

__all__ = ["JobSettings", "KubernetesAgent", "KubernetesJob", "KubernetesLauncher",
           "agent_manifests", "job_manifest", "kubernetes_api"]
