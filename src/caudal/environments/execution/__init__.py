"""Execution environments: Prefect 0.15's way, deprecated there, to say where a flow runs.

Each class keeps its arguments as attributes, as Prefect 0.15.9's does, and warns that
environments are deprecated. ``Flow(environment=...)`` stores the object; ``flow.run()``
ignores it. Running a flow *through* an environment (``setup``, ``execute``) is what a
``caudal.run_configs`` run config and an agent do in caudal, so those methods raise
``NotSupportedError`` saying so.

Example:
    >>> import warnings
    >>> from caudal import Flow, task
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     env = LocalEnvironment(labels=["etl"])
    >>> with Flow("with an environment", environment=env) as flow:
    ...     _ = task(lambda: 1, name="one")()
    >>> flow.run().is_successful(), flow.environment.labels
    (True, {'etl'})
"""

from caudal.environments.execution.base import Environment, load_and_run_flow
from caudal.environments.execution.dask import (
                                                DaskCloudProviderEnvironment,
                                                DaskKubernetesEnvironment,
)
from caudal.environments.execution.fargate import FargateTaskEnvironment
from caudal.environments.execution.k8s import KubernetesJobEnvironment
from caudal.environments.execution.local import LocalEnvironment

__all__ = ["DaskCloudProviderEnvironment", "DaskKubernetesEnvironment", "Environment",
           "FargateTaskEnvironment", "KubernetesJobEnvironment", "LocalEnvironment",
           "load_and_run_flow"]
