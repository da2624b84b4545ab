"""User-facing errors of the qaeci library.

Every error carries a single line saying what was wrong and how to fix it; actions and the CLI
print the message as it is.
"""


class QaeciError(Exception):
    """Base class: a one-line message naming what was wrong and how to fix it."""


class RegistryError(QaeciError):
    """The app tree (apps/*.yaml, envs/*.yaml) is invalid."""


class PlanError(QaeciError):
    """An environment cannot be planned (bad overrides, unknown branch, ...)."""


class BuildError(QaeciError):
    """An app could not be built or packaged."""


class RenderError(QaeciError):
    """A config template could not be rendered."""


class ArtifactStoreError(QaeciError):
    """The artifact store is unreachable, misconfigured or lacks an artifact."""


class ConfigError(QaeciError):
    """The pack configuration is invalid."""


class PermissionRefused(QaeciError):
    """The requesting user may not change this environment."""


class EnvironmentNotFound(QaeciError):
    """The named environment has no recorded state."""
