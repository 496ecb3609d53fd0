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
// its initializer. As on a server, called from `main` it does not return: the
// component's exports call them.
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
	return dispatch.Collecting(func() *dispatch.Error {
		return guard(func() *dispatch.Error {
			if err := run(ctx); err != nil {
				return fromError(err)
			}
			return nil
		})
	})
}

// SetMain is called by the file `fcwasm build` adds to package main: the
// component runs `main` (which calls Start or ListenAndServe) before its first call.
func SetMain(main func()) {
	dispatch.Main = main
	dispatch.RecoverMain = func(run func()) *dispatch.Error {
		return guard(func() *dispatch.Error {
			run()
			return nil
		})
	}
}

// handOver is where Start and ListenAndServe would serve forever on a server: called
// from `main`, they block here for good, the calls being served through the
// component's exports; called elsewhere (from an `init`, say), they return.
func handOver() {
	if dispatch.Registered() {
		select {}
	}
}
