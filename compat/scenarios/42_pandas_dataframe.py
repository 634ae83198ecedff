"""Tasks passing pandas DataFrames: build, filter, aggregate."""
import pandas as pd
from prefect import Flow, Parameter, task


@task
def load_frame():
    return pd.DataFrame(
        {
            "bairro": ["Boa Viagem", "Casa Forte", "Boa Viagem", "Derby"],
            "valor": [100, 250, 50, 75],
        }
    )


@task
def filter_min(df, minimum):
    return df[df["valor"] >= minimum].reset_index(drop=True)


@task
def by_bairro(df):
    return df.groupby("bairro", as_index=False)["valor"].sum()


@task
def total(df):
    return int(df["valor"].sum())


with Flow("pandas-dataframe") as flow:
    minimum = Parameter("minimum", default=60)
    frame = load_frame()
    kept = filter_min(frame, minimum)
    by_bairro(kept)
    total(kept)
