// Package dispatch connects the component's exports to what the program registered:
// the exports call it, and package gr fills it in when `main` calls `gr.Start` or
// `gr.ListenAndServe`.
//
// A Go component is a reactor: its `main` is not run when it is instantiated. The
// first call runs it (once per instance), as a server's `main` runs before its first
// request: `main` registers the handler, and the call goes on to it.
package dispatch

import (
	"math"
	"runtime/debug"

	"github.com/awesome-fc/golang-runtime/internal/bindings/fc_runtime_context"
	"github.com/awesome-fc/golang-runtime/internal/bindings/fc_runtime_http_handler"
	"github.com/awesome-fc/golang-runtime/internal/bindings/fc_runtime_types"
	witTypes "go.bytecodealliance.org/pkg/wit/types"
)

// Context is the host's call context.
type Context = fc_runtime_context.Context

// Error is FC's error, as the contract carries it.
type Error = fc_runtime_types.Error

// A lifecycle hook.
type HookKind int

// The hooks, in the contract's order.
const (
	Initialize HookKind = iota
	PreStop
	PreFreeze
)

var (
	// Main is the program's `main`, run before the first call.
	Main func()
	// OnEvent answers `/invoke` calls; nil when the program serves HTTP.
	OnEvent func(ctx *Context, event []byte) ([]byte, *Error)
	// OnHTTP answers HTTP-function requests; nil when the program handles events.
	OnHTTP func(ctx *Context, request fc_runtime_http_handler.Request) (fc_runtime_http_handler.Response, *Error)
	// Hooks are the lifecycle hooks the program registered, by kind.
	Hooks [3]func(ctx *Context) *Error
	// RecoverMain runs `main`, a panic becoming FC's error; set by package gr.
	RecoverMain func(run func()) *Error
)

// start runs `main` when no handler is registered: before the first call, and again
// after a `main` that failed, as a restarted process would. It reports what stops the
// program from being called: a `main` that panicked, or one that registered no handler.
//
// `main` runs in a goroutine of its own, and the call waits until it registers a
// handler (Start and ListenAndServe then block that goroutine for good, as on a
// server: what follows them, and `main`'s deferred calls, do not run) or returns.
func start() *Error {
	if Main == nil {
		return failure("the component has no main: it was not built by `fcwasm build`")
	}
	if err := runMain(); err != nil {
		return err
	}
	if OnEvent == nil && OnHTTP == nil {
		return failure("main returned without registering a handler: call gr.Start(handler, initialize) for an event function, gr.ListenAndServe(addr, handler) for an HTTP function")
	}
	return nil
}

// ready is start, run with the collector on, unless a handler is registered already
// (most calls).
func ready() *Error {
	if OnEvent != nil || OnHTTP != nil {
		return nil
	}
	return Collecting(start)
}

// awaiting is true while a call waits for `main` to register a handler.
var awaiting bool

// registered is signalled by the first registration while `main` runs.
var registered = make(chan struct{}, 1)

func runMain() *Error {
	returned := make(chan *Error, 1)
	awaiting = true
	defer func() { awaiting = false }()
	go func() { returned <- RecoverMain(Main) }()
	select {
	case <-registered:
		return nil
	case err := <-returned:
		return err
	}
}

// Registered tells a call waiting for `main` that a handler is registered, and
// whether the caller (Start or ListenAndServe in `main`) should now block for good.
func Registered() (block bool) {
	if !awaiting {
		return false
	}
	select {
	case registered <- struct{}{}:
	default:
	}
	return true
}

// Event answers an `/invoke` call.
func Event(ctx *Context, event []byte) witTypes.Result[[]byte, Error] {
	// The contract lends the context for the call: the lender needs it back.
	defer ctx.Drop()
	if err := ready(); err != nil {
		return witTypes.Err[[]byte](*err)
	}
	if OnEvent == nil {
		return witTypes.Err[[]byte](*failure("this function serves HTTP (gr.ListenAndServe): it has no event handler (gr.Start)"))
	}
	result, err := OnEvent(ctx, event)
	if err != nil {
		return witTypes.Err[[]byte](*err)
	}
	return witTypes.Ok[[]byte, Error](result)
}

// HTTP answers an HTTP-function request.
func HTTP(ctx *Context, request fc_runtime_http_handler.Request) witTypes.Result[fc_runtime_http_handler.Response, Error] {
	// The contract lends the context for the call: the lender needs it back.
	defer ctx.Drop()
	if err := ready(); err != nil {
		return witTypes.Err[fc_runtime_http_handler.Response](*err)
	}
	if OnHTTP == nil {
		return witTypes.Err[fc_runtime_http_handler.Response](*failure("this function handles events (gr.Start): it serves no HTTP (gr.ListenAndServe)"))
	}
	response, err := OnHTTP(ctx, request)
	if err != nil {
		return witTypes.Err[fc_runtime_http_handler.Response](*err)
	}
	return witTypes.Ok[fc_runtime_http_handler.Response, Error](response)
}

// Hook runs a lifecycle hook; one the program did not register succeeds.
func Hook(kind HookKind, ctx *Context) witTypes.Result[witTypes.Unit, Error] {
	// The contract lends the context for the call: the lender needs it back.
	defer ctx.Drop()
	if err := ready(); err != nil {
		return witTypes.Err[witTypes.Unit](*err)
	}
	if hook := Hooks[kind]; hook != nil {
		if err := hook(ctx); err != nil {
			return witTypes.Err[witTypes.Unit](*err)
		}
	}
	return witTypes.Ok[witTypes.Unit, Error](witTypes.Unit{})
}

// The collector's settings (GOGC, 100 by default; GOMEMLIMIT, none by default).
var (
	gcPercent   = debug.SetGCPercent(-1)
	memoryLimit = debug.SetMemoryLimit(math.MaxInt64)
)

// Collecting runs `run` with the garbage collector on. Between calls, and while the
// host copies arguments and results in, it is off (and no memory limit can start it):
// the host allocates through `cabi_realloc`, where a collection finishing would read
// the clock, an import the component model forbids there (a trap), and where what is
// allocated is not pinned (see sdk/go-pkg). Turning it off waits for a collection in
// progress to finish.
func Collecting[T any](run func() T) T {
	debug.SetMemoryLimit(memoryLimit)
	debug.SetGCPercent(gcPercent)
	defer func() {
		debug.SetGCPercent(-1)
		debug.SetMemoryLimit(math.MaxInt64)
	}()
	return run()
}

func failure(message string) *Error {
	return &Error{
		Message:    message,
		ErrorType:  witTypes.Some("InitializationError"),
		StackTrace: witTypes.None[[]string](),
	}
}
