import caudal


def log(message) -> None:
    """Logs a message"""
    caudal.context.logger.info(f"\n{message}")
