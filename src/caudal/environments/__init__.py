"""Prefect 0.15's deprecated flow environments; defined in ``caudal.environments.execution``.

``Flow(environment=...)`` accepts and keeps one, and ``flow.run()`` never needs it. Configure
where a flow runs with ``flow.run_config`` (``caudal.run_configs``) instead.
"""

from caudal.environments.execution import (
                                           DaskCloudProviderEnvironment,
                                           DaskKubernetesEnvironment,
                                           Environment,
                                           FargateTaskEnvironment,
                                           KubernetesJobEnvironment,
                                           LocalEnvironment,
)

__all__ = ["DaskCloudProviderEnvironment", "DaskKubernetesEnvironment", "Environment",
           "FargateTaskEnvironment", "KubernetesJobEnvironment", "LocalEnvironment"]
