"""The bundled default model (``default.joblib`` and its card ``default.json``)."""
