/*
 * An FC event function in C, with bootstrap's C SDK (fc_runtime.h).
 *
 * The event is a JSON object whose "action" picks what to show:
 *   {"action": "context"}  the call's context in FC's JSON shape (with the role's
 *                          credentials: a real function would not return them)
 *   {"action": "count"}    a counter the initializer created, kept across calls
 *   {"action": "fail"}     fails: FC's error response with errorType ValidationError
 *   {"action": "env"}      the environment variable GREETING
 * anything else is echoed back. The PreStop hook logs the number of calls.
 *
 * Build and run:  fcwasm build examples/c/event && bootstrap --module examples/c/event/handler.wasm
 */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>
#include <string.h>

#include "fc_runtime.h"

/* The calls since the initializer ran; -1 before it does. */
static int calls = -1;

int fc_initialize(fc_context *ctx) {
  const fc_fields *f = fc_context_fields(ctx);
  calls = 0;
  fc_log(FC_INFO, "initialized for %.*s", (int)f->function_name.len, f->function_name.ptr);
  return FC_OK;
}

int fc_pre_stop(fc_context *ctx) {
  (void)ctx;
  fc_log(FC_INFO, "pre-stop after %d calls", calls);
  return FC_OK;
}

/* The value of "action" in `event`, copied into `action` (empty when absent). */
static void action_of(fc_bytes event, char *action, size_t size) {
  action[0] = '\0';
  const char *end = (const char *)event.ptr + event.len;
  const char *key = memmem(event.ptr, event.len, "\"action\"", 8);
  if (!key) return;
  const char *c = key + 8;
  while (c < end && (*c == ' ' || *c == ':')) c++;
  if (c >= end || *c != '"') return;
  const char *close = memchr(c + 1, '"', (size_t)(end - c - 1));
  if (!close || (size_t)(close - c - 1) >= size) return;
  memcpy(action, c + 1, (size_t)(close - c - 1));
  action[close - c - 1] = '\0';
}

static void json_field(fc_buffer *out, const char *name, fc_string value, const char *after) {
  fc_buffer_printf(out, "\"%s\":", name);
  fc_buffer_json_string(out, value);
  fc_buffer_printf(out, "%s", after);
}

static void context_json(fc_context *ctx, fc_buffer *out) {
  const fc_fields *f = fc_context_fields(ctx);
  fc_buffer_printf(out, "{");
  json_field(out, "requestId", f->request_id, ",\"credentials\":{");
  json_field(out, "accessKeyId", f->credentials.access_key_id, ",");
  json_field(out, "accessKeySecret", f->credentials.access_key_secret, ",");
  json_field(out, "securityToken", f->credentials.security_token, "},\"function\":{");
  json_field(out, "name", f->function_name, ",");
  json_field(out, "handler", f->function_handler, ",");
  fc_buffer_printf(out, "\"memory\":%d,\"timeout\":%d,", f->memory_mb, f->timeout_s);
  json_field(out, "initializer", f->initializer, ",");
  fc_buffer_printf(out, "\"initializationTimeout\":%d},\"service\":{", f->initialization_timeout_s);
  json_field(out, "name", f->service_name, ",");
  json_field(out, "logProject", f->log_project, ",");
  json_field(out, "logStore", f->log_store, ",");
  json_field(out, "qualifier", f->qualifier, ",");
  json_field(out, "versionId", f->version_id, "},");
  json_field(out, "region", f->region, ",");
  json_field(out, "accountId", f->account_id, ",");
  fc_buffer_printf(out, "\"retryCount\":%d,", f->retry_count);
  json_field(out, "instanceId", f->instance_id, ",\"tracing\":{");
  json_field(out, "openTracingSpanContext", f->tracing.span_context, ",");
  /* The baggages are a JSON object as text already. */
  fc_buffer_printf(out, "\"openTracingSpanBaggages\":");
  if (f->tracing.span_baggages.len) {
    fc_buffer_append(out, f->tracing.span_baggages.ptr, f->tracing.span_baggages.len);
  } else {
    fc_buffer_printf(out, "{}");
  }
  fc_buffer_printf(out, ",");
  json_field(out, "jaegerEndpoint", f->tracing.jaeger_endpoint, "}}");
}

int fc_handle_event(fc_context *ctx, fc_bytes event, fc_buffer *result) {
  char action[32];
  action_of(event, action, sizeof action);
  fc_log(FC_INFO, "action %s", action);
  if (strcmp(action, "context") == 0) {
    context_json(ctx, result);
  } else if (strcmp(action, "count") == 0) {
    if (calls < 0) return fc_fail(ctx, "NotInitialized", "the initializer has not run");
    fc_buffer_printf(result, "{\"calls\": %d}", ++calls);
  } else if (strcmp(action, "fail") == 0) {
    return fc_fail(ctx, "ValidationError", "the event asked to %s", action);
  } else if (strcmp(action, "env") == 0) {
    const char *greeting = getenv("GREETING");
    fc_buffer_printf(result, "%s", greeting ? greeting : "");
  } else {
    fc_buffer_append(result, event.ptr, event.len);
  }
  return FC_OK;
}
