from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ratusz.core"
    label = "core"
    verbose_name = "Ratusz core"

    def ready(self) -> None:
        from django.core.signals import got_request_exception
        from django.db.backends.signals import connection_created

        from ratusz.core import signals  # noqa: F401
        from ratusz.core.routers import install_replica_watch, replica_failed
        from ratusz.core.tenancy import install_tenant_wrapper

        # Every PostgreSQL connection carries the gmina per transaction (tenancy.py); the
        # replica's connections also report their failures to the router (routers.py).
        connection_created.connect(install_tenant_wrapper,
                                   dispatch_uid="ratusz.core.tenancy.install_tenant_wrapper")
        connection_created.connect(install_replica_watch,
                                   dispatch_uid="ratusz.core.routers.install_replica_watch")
        got_request_exception.connect(replica_failed,
                                      dispatch_uid="ratusz.core.routers.replica_failed")
