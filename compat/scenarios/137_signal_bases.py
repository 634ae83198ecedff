"""prefect.exceptions.PrefectSignal and TaskTimeoutSignal: what the signals derive from."""
from prefect import Flow, task
from prefect.engine import signals
from prefect.exceptions import PrefectSignal, TaskTimeoutSignal


@task
def guarded():
    try:
        raise signals.FAIL("bad rows")
    except Exception:
        return "swallowed by except Exception"
    except PrefectSignal as sig:
        raise sig


@task
def bases():
    return {
        "same_in_signals": signals.PrefectSignal is PrefectSignal,
        "fail_is_signal": issubclass(signals.FAIL, PrefectSignal),
        "endrun_is_signal": issubclass(signals.ENDRUN, PrefectSignal),
        "timeout_is_signal": issubclass(TaskTimeoutSignal, PrefectSignal),
        "signal_is_exception": issubclass(PrefectSignal, Exception),
        "timeout_str": str(TaskTimeoutSignal("Execution timed out.")),
    }


with Flow("signal-bases") as flow:
    guarded()
    bases()
