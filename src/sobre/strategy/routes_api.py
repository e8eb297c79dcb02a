"""placeholder"""
def register(registry):  # noqa: ANN001, ANN201
    pass
