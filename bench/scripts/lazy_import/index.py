# The first lazy import of a module in a fresh instance, timed inside the guest:
# `fcwasm build bench/scripts/lazy_import && fcwasm invoke --module
# bench/scripts/lazy_import/handler.wasm -e email.mime.text` (the event names the module;
# `gbk` times the first GBK encoding).
import time

def handler(event, context):
    what = event.decode() if event else "email.mime.text"
    started = time.perf_counter()
    if what == "gbk":
        "中文".encode("gbk")
    else:
        __import__(what)
    return f"{what} {(time.perf_counter() - started) * 1000:.2f} ms"
