# A one-file Django app served through WSGI: build it with
# `fcwasm build --handler app.application`. Settings are made in code (Django reads
# no settings module), so nothing is read from the environment at build time.
from django.conf import settings
from django.http import JsonResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["*"],
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    USE_TZ=True,
)


def hello(request, name):
    return JsonResponse({"hello": name, "method": request.method})


def fail(request):
    raise RuntimeError("this view fails")


urlpatterns = [
    path("hello/<str:name>", hello),
    path("fail", fail),
]

from django.core.wsgi import get_wsgi_application  # noqa: E402 (after settings)

application = get_wsgi_application()
