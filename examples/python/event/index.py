"""An FC event function in Python, written as on FC's Python runtime.

The event is a JSON object whose "action" picks what to show:
  {"action": "context"}  the call's context, in the shape of FC's Node.js context
  {"action": "count"}    a counter the initializer created, kept across calls
  {"action": "fail"}     raises: FC's error response with errorType ValueError
anything else is echoed back.

Build and run:  fcwasm build examples/python/event && bootstrap --module examples/python/event/handler.wasm
"""

import json
import logging

logger = logging.getLogger()
state = {}


def initialize(context):
    """FC's initializer: runs once per instance, before its first call."""
    state["calls"] = 0
    logger.info("initialized for %s", context.function.name)


def handler(event, context):
    action = action_of(event)
    logger.info("action %s", action)
    if action == "context":
        return context_as_json(context)
    if action == "count":
        state["calls"] += 1
        return {"calls": state["calls"]}
    if action == "fail":
        raise ValueError("the event asked to fail")
    return event


def action_of(event):
    try:
        request = json.loads(event)
    except ValueError:
        return None
    return request.get("action") if isinstance(request, dict) else None


def context_as_json(context):
    function, service, tracing = context.function, context.service, context.tracing
    return {
        "requestId": context.request_id,
        "credentials": {
            "accessKeyId": context.credentials.access_key_id,
            "accessKeySecret": context.credentials.access_key_secret,
            "securityToken": context.credentials.security_token,
        },
        "function": {
            "name": function.name,
            "handler": function.handler,
            "memory": function.memory,
            "timeout": function.timeout,
            "initializer": function.initializer,
            "initializationTimeout": function.initialization_timeout,
        },
        "service": {
            "name": service.name,
            "logProject": service.log_project,
            "logStore": service.log_store,
            "qualifier": service.qualifier,
            "versionId": service.version_id,
        },
        "region": context.region,
        "accountId": context.account_id,
        "retryCount": context.retry_count,
        "instanceId": context.instance_id,
        "tracing": {
            "openTracingSpanContext": tracing.span_context,
            "openTracingSpanBaggages": tracing.parse_open_tracing_baggages(),
            "jaegerEndpoint": tracing.jaeger_endpoint,
        },
    }
