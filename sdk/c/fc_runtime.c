/* fc_runtime.c: the exports of the `fc:runtime` `handler` world, calling the
 * function's fc_handle_* and hooks; and the helpers of fc_runtime.h. */
#include "fc_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fc_context {
  fc_runtime_context_borrow_context_t handle;
  bool have_fields;
  fc_fields fields;
  bool failed;
  fc_runtime_types_error_t error;
};

/* --- the handlers a function does not define ------------------------------- */

__attribute__((weak)) int fc_handle_event(fc_context *ctx, fc_bytes event, fc_buffer *result) {
  (void)event;
  (void)result;
  return fc_fail(ctx, "InitializationError",
                 "this function has no event handler: define fc_handle_event");
}

__attribute__((weak)) int fc_handle_http(fc_context *ctx, const fc_http_request *request,
                                         fc_http_response *response) {
  (void)request;
  (void)response;
  return fc_fail(ctx, "InitializationError",
                 "this function serves no HTTP: define fc_handle_http");
}

__attribute__((weak)) int fc_initialize(fc_context *ctx) {
  (void)ctx;
  return FC_OK;
}

__attribute__((weak)) int fc_pre_stop(fc_context *ctx) {
  (void)ctx;
  return FC_OK;
}

/* --- calls ------------------------------------------------------------------ */

static fc_context begin(fc_runtime_context_borrow_context_t handle) {
  fc_context ctx = {0};
  ctx.handle = handle;
  return ctx;
}

/* Ends the call: the context's fields are freed and the lent handle given back.
 * Returns whether it succeeded; if not, `err` holds its error. */
static bool end(fc_context *ctx, int status, fc_runtime_types_error_t *err) {
  bool ok = status == FC_OK;
  if (!ok && !ctx->failed) {
    fc_fail(ctx, NULL, "the handler returned %d without calling fc_fail", status);
  }
  if (ok && ctx->failed) {
    fc_runtime_types_error_free(&ctx->error);
  }
  if (!ok) {
    *err = ctx->error;
  }
  if (ctx->have_fields) {
    fc_runtime_context_fields_free(&ctx->fields);
  }
  fc_runtime_context_context_drop_borrow(ctx->handle);
  return ok;
}

static fc_bytes take(fc_buffer *buffer) {
  fc_bytes bytes = {buffer->ptr, buffer->len};
  *buffer = (fc_buffer){0};
  return bytes;
}

bool exports_fc_runtime_event_handler_handle(exports_fc_runtime_event_handler_borrow_context_t handle,
                                             handler_list_u8_t *event, handler_list_u8_t *ret,
                                             exports_fc_runtime_event_handler_error_t *err) {
  fc_context ctx = begin(handle);
  fc_buffer result = {0};
  int status = fc_handle_event(&ctx, *event, &result);
  handler_list_u8_free(event);
  if (status == FC_OK) {
    *ret = take(&result);
  } else {
    free(result.ptr);
  }
  return end(&ctx, status, err);
}

bool exports_fc_runtime_http_handler_handle(exports_fc_runtime_http_handler_borrow_context_t handle,
                                            exports_fc_runtime_http_handler_request_t *request,
                                            exports_fc_runtime_http_handler_response_t *ret,
                                            exports_fc_runtime_http_handler_error_t *err) {
  fc_context ctx = begin(handle);
  fc_http_response response = {0};
  int status = fc_handle_http(&ctx, request, &response);
  exports_fc_runtime_http_handler_request_free(request);
  if (status == FC_OK) {
    ret->status = response.status ? response.status : 200;
    ret->headers = take(&response.headers);
    ret->body = take(&response.body);
  } else {
    free(response.headers.ptr);
    free(response.body.ptr);
  }
  return end(&ctx, status, err);
}

static bool hook(int (*run)(fc_context *), fc_runtime_context_borrow_context_t handle,
                 fc_runtime_types_error_t *err) {
  fc_context ctx = begin(handle);
  int status = run ? run(&ctx) : FC_OK;
  return end(&ctx, status, err);
}

bool exports_fc_runtime_lifecycle_initialize(exports_fc_runtime_lifecycle_borrow_context_t handle,
                                             exports_fc_runtime_lifecycle_error_t *err) {
  return hook(fc_initialize, handle, err);
}

bool exports_fc_runtime_lifecycle_pre_stop(exports_fc_runtime_lifecycle_borrow_context_t handle,
                                           exports_fc_runtime_lifecycle_error_t *err) {
  return hook(fc_pre_stop, handle, err);
}

bool exports_fc_runtime_lifecycle_pre_freeze(exports_fc_runtime_lifecycle_borrow_context_t handle,
                                             exports_fc_runtime_lifecycle_error_t *err) {
  return hook(NULL, handle, err);
}

/* --- the context ------------------------------------------------------------ */

const fc_fields *fc_context_fields(fc_context *ctx) {
  if (!ctx->have_fields) {
    fc_runtime_context_method_context_fields(ctx->handle, &ctx->fields);
    ctx->have_fields = true;
  }
  return &ctx->fields;
}

int64_t fc_remaining_time_ms(fc_context *ctx) {
  uint64_t left;
  if (!fc_runtime_context_method_context_remaining_time_ms(ctx->handle, &left)) {
    return -1;
  }
  return left > INT64_MAX ? INT64_MAX : (int64_t)left;
}

/* --- errors and logs -------------------------------------------------------- */

/* printf into a new NUL-terminated string. */
static char *vformat(const char *format, va_list args) {
  va_list copy;
  va_copy(copy, args);
  int len = vsnprintf(NULL, 0, format, copy);
  va_end(copy);
  if (len < 0) {
    len = 0;
  }
  char *text = malloc((size_t)len + 1);
  if (!text) {
    abort();
  }
  vsnprintf(text, (size_t)len + 1, format, args);
  return text;
}

int fc_fail(fc_context *ctx, const char *error_type, const char *format, ...) {
  if (ctx->failed) {
    fc_runtime_types_error_free(&ctx->error);
  }
  va_list args;
  va_start(args, format);
  char *message = vformat(format, args);
  va_end(args);
  ctx->error = (fc_runtime_types_error_t){0};
  ctx->error.message = (handler_string_t){(uint8_t *)message, strlen(message)};
  if (error_type) {
    ctx->error.error_type.is_some = true;
    handler_string_dup(&ctx->error.error_type.val, error_type);
  }
  ctx->failed = true;
  return FC_FAILED;
}

void fc_log(fc_level level, const char *format, ...) {
  va_list args;
  va_start(args, format);
  char *text = vformat(format, args);
  va_end(args);
  handler_string_t message = {(uint8_t *)text, strlen(text)};
  fc_runtime_log_log((fc_runtime_log_level_t)level, &message);
  free(text);
}

/* --- buffers ---------------------------------------------------------------- */

void fc_buffer_append(fc_buffer *buffer, const void *data, size_t len) {
  if (len > SIZE_MAX - buffer->len) {
    abort();
  }
  if (buffer->len + len > buffer->cap) {
    size_t cap = buffer->cap ? buffer->cap : 64;
    while (cap < buffer->len + len) {
      cap = cap > SIZE_MAX / 2 ? buffer->len + len : cap * 2;
    }
    uint8_t *grown = realloc(buffer->ptr, cap);
    if (!grown) {
      abort();
    }
    buffer->ptr = grown;
    buffer->cap = cap;
  }
  if (len) {
    memcpy(buffer->ptr + buffer->len, data, len);
  }
  buffer->len += len;
}

void fc_buffer_printf(fc_buffer *buffer, const char *format, ...) {
  va_list args;
  va_start(args, format);
  char *text = vformat(format, args);
  va_end(args);
  fc_buffer_append(buffer, text, strlen(text));
  free(text);
}

void fc_buffer_json_string(fc_buffer *buffer, fc_string text) {
  fc_buffer_append(buffer, "\"", 1);
  for (size_t i = 0; i < text.len; i++) {
    uint8_t c = text.ptr[i];
    if (c == '"' || c == '\\') {
      char escaped[2] = {'\\', (char)c};
      fc_buffer_append(buffer, escaped, 2);
    } else if (c < 0x20) {
      fc_buffer_printf(buffer, "\\u%04x", c);
    } else {
      fc_buffer_append(buffer, &c, 1);
    }
  }
  fc_buffer_append(buffer, "\"", 1);
}

/* --- HTTP ------------------------------------------------------------------- */

bool fc_request_header(const fc_http_request *request, const char *name, fc_string *value) {
  size_t name_len = strlen(name);
  const uint8_t *line = request->headers.ptr;
  const uint8_t *end = line + request->headers.len;
  while (line < end) {
    const uint8_t *newline = memchr(line, '\n', (size_t)(end - line));
    const uint8_t *line_end = newline ? newline : end;
    size_t len = (size_t)(line_end - line);
    if (len >= name_len + 2 && memcmp(line, name, name_len) == 0 && line[name_len] == ':' &&
        line[name_len + 1] == ' ') {
      value->ptr = (uint8_t *)line + name_len + 2;
      value->len = len - name_len - 2;
      return true;
    }
    line = line_end + 1;
  }
  return false;
}

void fc_response_header(fc_http_response *response, const char *name, const char *value) {
  fc_buffer_append(&response->headers, name, strlen(name));
  fc_buffer_append(&response->headers, ": ", 2);
  for (const char *c = value; *c; c++) {
    char kept = (*c == '\r' || *c == '\n') ? ' ' : *c;
    fc_buffer_append(&response->headers, &kept, 1);
  }
  fc_buffer_append(&response->headers, "\n", 1);
}
