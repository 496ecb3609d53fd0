// Package export_fc_runtime_event_handler implements the `event-handler` export.
package export_fc_runtime_event_handler

import (
	"github.com/awesome-fc/golang-runtime/internal/bindings/fc_runtime_context"
	"github.com/awesome-fc/golang-runtime/internal/bindings/fc_runtime_types"
	"github.com/awesome-fc/golang-runtime/internal/dispatch"
	witTypes "go.bytecodealliance.org/pkg/wit/types"
)

// Handle answers an `/invoke` call.
func Handle(ctx *fc_runtime_context.Context, event []uint8) witTypes.Result[[]uint8, fc_runtime_types.Error] {
	return dispatch.Event(ctx, event)
}
