// An FC event function in Go, written with FC's Go framework (`gr.Start`).
//
// The event is a JSON object whose "action" picks what to show:
//
//	{"action": "context"}  the call's context, as FC's runtimes give it (with the
//	                       role's credentials: a real function would not return them)
//	{"action": "count"}    a counter the initializer created, kept across calls
//	{"action": "fail"}     returns an error: FC's error response, errorType errorString
//	{"action": "panic"}    panics: FC's error response with the Go stack
//	{"action": "env"}      the environment variable GREETING
//
// anything else is echoed back.
//
// Build and run:  fcwasm build examples/go/event && bootstrap --module examples/go/event/handler.wasm
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	gr "github.com/awesome-fc/golang-runtime"
)

// calls counts the calls since the initializer ran; nil before it does.
var calls *int

func initialize(ctx *gr.FCContext) error {
	calls = new(int)
	gr.GetLogger().Infof("initialized for %s", ctx.Function.Name)
	return nil
}

func handler(ctx *gr.FCContext, event []byte) ([]byte, error) {
	var request struct {
		Action string `json:"action"`
	}
	_ = json.Unmarshal(event, &request)
	gr.GetLogger().Infof("action %s", request.Action)
	switch request.Action {
	case "context":
		return json.Marshal(ctx)
	case "count":
		if calls == nil {
			return nil, errors.New("the initializer has not run")
		}
		*calls++
		return json.Marshal(map[string]int{"calls": *calls})
	case "fail":
		return nil, errors.New("the event asked to fail")
	case "panic":
		var missing map[string]int
		missing["key"] = 1 // assignment to a nil map: a runtime panic
		return nil, nil
	case "env":
		return []byte(os.Getenv("GREETING")), nil
	default:
		fmt.Println("echoing", len(event), "bytes")
		return event, nil
	}
}

func main() {
	gr.Start(handler, initialize)
}
