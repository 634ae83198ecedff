"""Flows declare the storages they are registered with (Git, GitHub, GitLab, Bitbucket, Azure,
Webhook, Docker): constructing them and adding flows behaves the same, and the flow runs."""
from prefect import Flow, task
from prefect.storage import Azure, Bitbucket, Docker, Git, GitHub, GitLab, Webhook


def error_type(make):
    try:
        make()
    except Exception as exc:  # the kind of error, not its wording
        return type(exc).__name__
    return None


@task
def git_storage():
    storage = Git(flow_path="flows/etl.py", repo="city/pipelines", branch_name="prod")
    location = storage.add_flow(Flow("etl"))
    return {
        "location": location,
        "flows": storage.flows,
        "has": "etl" in storage,
        "token_user": storage.git_token_username,
        "depth": storage.clone_depth,
        "same_name_again": error_type(lambda: storage.add_flow(Flow("etl"))),
        "branch_and_tag": error_type(lambda: Git("f.py", repo="a/b", branch_name="x", tag="y")),
        "no_repo": error_type(lambda: Git("f.py")),
    }


@task
def hosted_storages():
    made = [GitHub("city/pipelines", "flows/etl.py", ref="prod"),
            GitLab("city/pipelines", path="flows/etl.py"),
            Bitbucket("DATA", "pipelines", path="flows/etl.py")]
    return {
        "locations": [storage.add_flow(Flow("etl")) for storage in made],
        "flows": [storage.flows for storage in made],
        "cloud_with_token": error_type(
            lambda: Bitbucket("DATA", "pipelines", workspace="w", access_token_secret="T")),
    }


@task
def webhook_storage():
    storage = Webhook(build_request_kwargs={"url": "http://127.0.0.1:1/flows"},
                      build_request_http_method="POST",
                      get_flow_request_kwargs={"url": "http://127.0.0.1:1/flows"},
                      get_flow_request_http_method="GET")
    first = storage.add_flow(Flow("one"))
    second = storage.add_flow(Flow("two"))
    return {"locations": [first, second], "flows": storage.flows, "has_one": "one" in storage}


@task
def other_storages():
    azure = Azure("flows", blob_name="etl/flow.pkl")
    return {
        "azure": [azure.add_flow(Flow("etl")), azure.flows, azure.overwrite],
        "azure_same_name": error_type(lambda: azure.add_flow(Flow("etl"))),
        "docker_attributes": [Docker(image_name="etl", image_tag="1.0").image_tag,
                              Docker().prefect_directory],
        "docker_both": error_type(lambda: Docker(base_image="a", dockerfile="b")),
    }


with Flow("storages", storage=Git(flow_path="flows/storages.py", repo="city/pipelines")) as flow:
    git_storage()
    hosted_storages()
    webhook_storage()
    other_storages()
