// Package export_fc_runtime_lifecycle implements the `lifecycle` export.
package export_fc_runtime_lifecycle

import (
	"github.com/awesome-fc/golang-runtime/internal/bindings/fc_runtime_context"
	"github.com/awesome-fc/golang-runtime/internal/bindings/fc_runtime_types"
	"github.com/awesome-fc/golang-runtime/internal/dispatch"
	witTypes "go.bytecodealliance.org/pkg/wit/types"
)

// Initialize runs the initializer (`/initialize`).
func Initialize(ctx *fc_runtime_context.Context) witTypes.Result[witTypes.Unit, fc_runtime_types.Error] {
	return dispatch.Hook(dispatch.Initialize, ctx)
}

// PreStop runs the PreStop hook.
func PreStop(ctx *fc_runtime_context.Context) witTypes.Result[witTypes.Unit, fc_runtime_types.Error] {
	return dispatch.Hook(dispatch.PreStop, ctx)
}

// PreFreeze runs the PreFreeze hook (FC 2.0 only).
func PreFreeze(ctx *fc_runtime_context.Context) witTypes.Result[witTypes.Unit, fc_runtime_types.Error] {
	return dispatch.Hook(dispatch.PreFreeze, ctx)
}
