// The Go SDK of bootstrap: the API of FC's Go runtime framework (the seed's
// `gr.Start(handler, initialize)`), on the fc:runtime contract instead of a server
// loop. `fcwasm build` provides this module to Go projects (a Go workspace), under
// the framework's import path, so that FC Go programs build unchanged.
module github.com/awesome-fc/golang-runtime

go 1.25
