"""Base services an environment can ask for, one module each, all with the BaseService interface:
start(env, data_dir, port, options) -> connection info, status(env, data_dir, port), stop(env)."""

from qaeci.services.base import BaseService, ServiceError
from qaeci.services.mariadb import MariaDBService
from qaeci.services.memcached import MemcachedService
from qaeci.services.redis import RedisService
from qaeci.services.zookeeper import ZooKeeperService

SERVICE_CLASSES = {
    "mysql": MariaDBService,
    "redis": RedisService,
    "memcached": MemcachedService,
    "zookeeper": ZooKeeperService,
}


def service_for(name, supervisor, artifact_store=None):
    """The service object for a template's service name (mysql, redis, memcached, zookeeper)."""
    try:
        cls = SERVICE_CLASSES[name]
    except KeyError as error:
        raise ServiceError(
            "unknown base service %r: use one of %s" % (name, ", ".join(sorted(SERVICE_CLASSES)))
        ) from error
    return cls(supervisor, artifact_store)


__all__ = ["BaseService", "ServiceError", "SERVICE_CLASSES", "service_for"]
