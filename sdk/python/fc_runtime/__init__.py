"""FC's Python function API for handlers running on `bootstrap`.

A function is written as on FC's Python runtime::

    def handler(event, context):          # event: bytes
        return {"hello": context.function.name}

    def initialize(context):              # optional, FC's initializer
        ...

An HTTP function is a WSGI application: ``def handler(environ, start_response)``, or a
framework's app object (``handler = Flask(__name__)``). ``fcwasm build`` bundles this
package, the project and its requirements into one component.
"""

from ._context import Context, Credentials, Function, Service, Tracing
from ._logs import FcLogHandler

__all__ = ["Context", "Credentials", "FcLogHandler", "Function", "Service", "Tracing"]
