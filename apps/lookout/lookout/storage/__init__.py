"""Object storage for telemetry data (the bucket of ``object_storage``)."""
