/*
 * fc_runtime.h: the C SDK of bootstrap, helpers over the `fc:runtime` bindings that
 * `fcwasm build` generates (wit-bindgen's C generator) beside this file.
 *
 * A C function defines any of these (the SDK answers the others with an error):
 *
 *   int fc_handle_event(fc_context *ctx, fc_bytes event, fc_buffer *result);
 *   int fc_handle_http(fc_context *ctx, const fc_http_request *request,
 *                      fc_http_response *response);
 *   int fc_initialize(fc_context *ctx);
 *   int fc_pre_stop(fc_context *ctx);
 *
 * each returning FC_OK, or what fc_fail returns. Everything the SDK hands over is
 * valid until the call returns; what the function writes into `result` or
 * `response` is the SDK's to free.
 */
#ifndef FC_RUNTIME_H
#define FC_RUNTIME_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handler.h"

/** A string of the contract: UTF-8, `len` bytes, not NUL-terminated. */
typedef handler_string_t fc_string;
/** Bytes of the contract (an event). */
typedef handler_list_u8_t fc_bytes;
/** Every field of the call's context (`request_id`, `credentials`, `function_name`...). */
typedef fc_runtime_context_fields_t fc_fields;
/** An HTTP-function request: `method`, `target`, `headers`, `body`, `client_ip`. */
typedef exports_fc_runtime_http_handler_request_t fc_http_request;
/** The call in progress. */
typedef struct fc_context fc_context;

/** A growable byte buffer: what a handler writes its result into. */
typedef struct fc_buffer {
  uint8_t *ptr;
  size_t len;
  size_t cap;
} fc_buffer;

/** An HTTP-function response: the status (200 unless set), headers and body. */
typedef struct fc_http_response {
  uint16_t status;
  fc_buffer headers;
  fc_buffer body;
} fc_http_response;

/** Log levels of FC's log records. */
typedef enum fc_level {
  FC_DEBUG = FC_RUNTIME_LOG_LEVEL_DEBUG,
  FC_INFO = FC_RUNTIME_LOG_LEVEL_INFO,
  FC_WARN = FC_RUNTIME_LOG_LEVEL_WARN,
  FC_ERROR = FC_RUNTIME_LOG_LEVEL_ERROR,
} fc_level;

/** What a handler returns when it succeeds. */
#define FC_OK 0
/** What fc_fail returns. */
#define FC_FAILED (-1)

/* The handlers a function defines (weak defaults answer with an error). */
int fc_handle_event(fc_context *ctx, fc_bytes event, fc_buffer *result);
int fc_handle_http(fc_context *ctx, const fc_http_request *request, fc_http_response *response);
int fc_initialize(fc_context *ctx);
int fc_pre_stop(fc_context *ctx);

/** The call's context, read from the host once per call (on first use). */
const fc_fields *fc_context_fields(fc_context *ctx);
/** Milliseconds the call may still run; -1 when it has no time limit. */
int64_t fc_remaining_time_ms(fc_context *ctx);
/**
 * Fails the call with FC's error: `error_type` (NULL for `HandlerError`) and a
 * printf-formatted message. Returns FC_FAILED, for `return fc_fail(...)`.
 */
int fc_fail(fc_context *ctx, const char *error_type, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/** Writes an FC log record at `level`, printf-formatted. */
void fc_log(fc_level level, const char *format, ...) __attribute__((format(printf, 2, 3)));

/** Appends `len` bytes to `buffer`. */
void fc_buffer_append(fc_buffer *buffer, const void *data, size_t len);
/** Appends printf-formatted text to `buffer`. */
void fc_buffer_printf(fc_buffer *buffer, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
/** Appends `text` to `buffer` as a JSON string, quoted and escaped. */
void fc_buffer_json_string(fc_buffer *buffer, fc_string text);

/** Finds the request header `name` (lower case); false when it was not sent. */
bool fc_request_header(const fc_http_request *request, const char *name, fc_string *value);
/** Adds the response header `name: value`. */
void fc_response_header(fc_http_response *response, const char *name, const char *value);

#endif
