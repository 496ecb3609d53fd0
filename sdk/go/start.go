package gr

import (
	"github.com/awesome-fc/golang-runtime/internal/dispatch"
)

// Handler handles an event (`/invoke`): the event's bytes in, the result's out. A
// returned error, or a panic, is FC's error response.
type Handler func(ctx *FCContext, event []byte) ([]byte, error)

// Initializer runs once per instance, before the first call (`/initialize`).
type Initializer func(ctx *FCContext) error

// Start makes `handler` the function's event handler and `initialize` (nil for none)
// its initializer. On a server it would serve forever; in a component it returns,
// and the component's exports call them.
func Start(handler Handler, initialize Initializer) {
	dispatch.OnEvent = func(host *dispatch.Context, event []byte) ([]byte, *dispatch.Error) {
		var result []byte
		err := call(host, func(ctx *FCContext) (err error) {
			result, err = handler(ctx, event)
			return err
		})
		return result, err
	}
	if initialize != nil {
		dispatch.Hooks[dispatch.Initialize] = hookOf(initialize)
	}
	handOver()
}

// OnPreStop makes `hook` the PreStop hook: run before the instance stops.
func OnPreStop(hook func(ctx *FCContext) error) {
	dispatch.Hooks[dispatch.PreStop] = hookOf(hook)
}

func hookOf(run func(*FCContext) error) func(*dispatch.Context) *dispatch.Error {
	return func(host *dispatch.Context) *dispatch.Error {
		return call(host, run)
	}
}

// call runs `run` with the call's context; its error or panic is FC's error.
func call(host *dispatch.Context, run func(*FCContext) error) *dispatch.Error {
	ctx := newContext(host)
	defer ctx.ended()
	return guard(func() *dispatch.Error {
		if err := run(ctx); err != nil {
			return fromError(err)
		}
		return nil
	})
}

// servingNow is what Start and ListenAndServe panic with to leave `main`: on a
// server they would not return, so what follows them in `main` (`log.Fatal` of the
// returned error, say) does not run here either.
type servingNow struct{}

var inMain bool

// handOver leaves `main` when it runs before the first call; called elsewhere (from
// an `init`, say), it returns.
func handOver() {
	if inMain {
		panic(servingNow{})
	}
}

// SetMain is called by the file `bootstrap build` adds to package main: the
// component runs `main` (which calls Start or ListenAndServe) before its first call.
func SetMain(main func()) {
	dispatch.Main = main
	dispatch.RecoverMain = func(run func()) *dispatch.Error {
		inMain = true
		defer func() { inMain = false }()
		return guard(func() *dispatch.Error {
			defer func() {
				if value := recover(); value != nil {
					if _, handedOver := value.(servingNow); !handedOver {
						panic(value)
					}
				}
			}()
			run()
			return nil
		})
	}
}
