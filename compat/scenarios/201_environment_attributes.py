"""What constructing each deprecated environment keeps, and the warning it gives."""
import warnings

from prefect import Flow, task
from prefect.environments import (
    DaskCloudProviderEnvironment,
    DaskKubernetesEnvironment,
    Environment,
    FargateTaskEnvironment,
    KubernetesJobEnvironment,
    LocalEnvironment,
)


def kept(environment):
    return {k: v for k, v in sorted(vars(environment).items())
            if k not in ("logger", "executor", "_job_spec")}


@task
def build():
    out = {}
    builders = {
        "base": lambda: Environment(labels=["a"], metadata={"x": 1}),
        "local": lambda: LocalEnvironment(labels=["b"]),
        "dask_k8s": lambda: DaskKubernetesEnvironment(min_workers=2, max_workers=4,
                                                      image_pull_secret="reg"),
        "k8s_job": lambda: KubernetesJobEnvironment(unique_job_name=True),
        "fargate": lambda: FargateTaskEnvironment(region_name="us-east-1", cpu="256",
                                                  cluster="main", tags=[{"k": "v"}],
                                                  overrides={}),
        "cloud_provider": lambda: DaskCloudProviderEnvironment(dict, adaptive_max_workers=3,
                                                               n_workers=2),
    }
    for name, builder in builders.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            environment = builder()
        out[name] = {"kept": kept(environment), "repr": repr(environment),
                     "warnings": [w.category.__name__ for w in caught]}
    return out


with Flow("environment attributes") as flow:
    build()
