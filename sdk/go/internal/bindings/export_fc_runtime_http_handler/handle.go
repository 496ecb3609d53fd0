// Package export_fc_runtime_http_handler implements the `http-handler` export.
package export_fc_runtime_http_handler

import (
	"github.com/awesome-fc/golang-runtime/internal/bindings/fc_runtime_context"
	"github.com/awesome-fc/golang-runtime/internal/bindings/fc_runtime_http_handler"
	"github.com/awesome-fc/golang-runtime/internal/bindings/fc_runtime_types"
	"github.com/awesome-fc/golang-runtime/internal/dispatch"
	witTypes "go.bytecodealliance.org/pkg/wit/types"
)

// Handle answers an HTTP-function request.
func Handle(ctx *fc_runtime_context.Context, request fc_runtime_http_handler.Request) witTypes.Result[fc_runtime_http_handler.Response, fc_runtime_types.Error] {
	return dispatch.HTTP(ctx, request)
}
