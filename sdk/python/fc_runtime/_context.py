"""The ``context`` argument: FC's Python context, read lazily from the host."""

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Dict, Optional


@dataclass(frozen=True)
class Credentials:
    """Temporary credentials of the function's role (empty strings without a role)."""

    access_key_id: str
    access_key_secret: str
    security_token: str


@dataclass(frozen=True)
class Function:
    """The function's configuration; numbers are -1 when the platform did not send them."""

    name: str
    handler: str
    memory: int
    timeout: int
    initializer: str
    initialization_timeout: int


@dataclass(frozen=True)
class Service:
    """The service (FC 2.0) and log configuration, and the version called."""

    name: str
    log_project: str
    log_store: str
    qualifier: str
    version_id: str


@dataclass(frozen=True)
class Tracing:
    """FC's tracing of the call; empty when tracing is off."""

    span_context: str
    jaeger_endpoint: str
    span_baggages: Dict[str, Any] = field(default_factory=dict)

    def parse_open_tracing_baggages(self) -> Dict[str, Any]:
        """The span baggages as a dict (FC's Python runtime has this method)."""
        return dict(self.span_baggages)


class ContextClosed(RuntimeError):
    """A context was read after the call it belongs to had returned."""


class Context:
    """The context of one call, as FC's Python runtime gives it to a handler.

    Each attribute is fetched from the host the first time it is read, so a handler
    pays only for what it uses. A context is valid during its call only: keep the
    values you need, not the context.
    """

    def __init__(self, resource: Any) -> None:
        self._resource = resource

    def _host(self) -> Any:
        if self._resource is None:
            raise ContextClosed("the context was used after its call returned")
        return self._resource

    def _close(self) -> None:
        self._resource = None

    @cached_property
    def request_id(self) -> str:
        """The invocation id (``x-fc-request-id``)."""
        return self._host().request_id()

    @cached_property
    def credentials(self) -> Credentials:
        """The role's temporary credentials."""
        c = self._host().credentials()
        return Credentials(c.access_key_id, c.access_key_secret, c.security_token)

    @cached_property
    def function(self) -> Function:
        """The function's name, handler, memory (MB) and timeouts (s)."""
        host = self._host()
        return Function(
            name=host.function_name(),
            handler=host.function_handler(),
            memory=host.memory_mb(),
            timeout=host.timeout_s(),
            initializer=host.initializer(),
            initialization_timeout=host.initialization_timeout_s(),
        )

    @cached_property
    def service(self) -> Service:
        """The service, log project and store, qualifier and version."""
        host = self._host()
        return Service(
            name=host.service_name(),
            log_project=host.log_project(),
            log_store=host.log_store(),
            qualifier=host.qualifier(),
            version_id=host.version_id(),
        )

    @cached_property
    def region(self) -> str:
        """The region, e.g. ``cn-hangzhou``."""
        return self._host().region()

    @cached_property
    def account_id(self) -> str:
        """The account id of the function's owner."""
        return self._host().account_id()

    @cached_property
    def retry_count(self) -> int:
        """Retries of an asynchronous invocation: 0 at the first attempt."""
        return self._host().retry_count()

    @cached_property
    def instance_id(self) -> str:
        """The FC instance serving the call (``FC_INSTANCE_ID``; empty locally)."""
        return self._host().instance_id()

    @cached_property
    def tracing(self) -> Tracing:
        """The call's tracing headers."""
        t = self._host().tracing()
        return Tracing(t.span_context, t.jaeger_endpoint, _json_object(t.span_baggages))

    def get_remaining_time_in_millis(self) -> Optional[int]:
        """Milliseconds left before the call's deadline; None when it has none."""
        return self._host().remaining_time_ms()


def _json_object(text: str) -> Dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
