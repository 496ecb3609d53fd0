from flask import Flask, abort

app = Flask(__name__)


@app.route("/boom")
def boom():
    raise RuntimeError("the view fails")


@app.route("/teapot")
def teapot():
    abort(418)


@app.route("/lazy")
def lazy():
    # A module of a requirement that nothing imported while the build ran.
    from werkzeug.middleware.proxy_fix import ProxyFix
    return ProxyFix.__module__
