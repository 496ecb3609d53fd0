/*
 * An FC HTTP function in C, with bootstrap's C SDK (fc_runtime.h): the seeds' hello,
 * with the request's details.
 *
 * Build and run:  fcwasm build examples/c/http && bootstrap --module examples/c/http/handler.wasm
 */
#include "fc_runtime.h"

int fc_handle_http(fc_context *ctx, const fc_http_request *request, fc_http_response *response) {
  const fc_fields *f = fc_context_fields(ctx);
  fc_string agent = {0};
  fc_request_header(request, "user-agent", &agent);
  response->status = 200;
  fc_response_header(response, "content-type", "text/plain");
  fc_buffer_printf(&response->body,
                   "Hello FunctionCompute, http %.*s\n"
                   "target: %.*s\nclientIP: %.*s\nuser-agent: %.*s\nrequestId: %.*s\nbody: %.*s\n",
                   (int)request->method.len, request->method.ptr, (int)request->target.len,
                   request->target.ptr, (int)request->client_ip.len, request->client_ip.ptr,
                   (int)agent.len, agent.ptr, (int)f->request_id.len, f->request_id.ptr,
                   (int)request->body.len, request->body.ptr);
  return FC_OK;
}
