// The Go HTTP function of FC's custom-runtime guide, as the guide writes it, but for
// the server loop: `http.ListenAndServe` becomes `gr.ListenAndServe`, which serves the
// handler through the component's export instead of a socket.
//
// Build and run:  fcwasm build examples/go/http && bootstrap --module examples/go/http/handler.wasm
package main

import (
	"fmt"
	"io/ioutil"
	"net/http"
	"os"

	gr "github.com/awesome-fc/golang-runtime"
)

func handler(w http.ResponseWriter, req *http.Request) {
	requestID := req.Header.Get("x-fc-request-id")
	fmt.Println(fmt.Sprintf("FC Invoke Start RequestId: %s", requestID))
	defer func() {
		fmt.Println(fmt.Sprintf("FC Invoke End RequestId: %s", requestID))
	}()
	// your logic
	b, err := ioutil.ReadAll(req.Body)
	if err != nil {
		panic(err)
	}
	info := fmt.Sprintf("method = %+v;\nheaders = %+v;\nbody = %+v", req.Method, req.Header, string(b))
	w.Write([]byte(fmt.Sprintf("Hello, golang http invoke! detail:\n %s", info)))
}

func main() {
	fmt.Println("FunctionCompute go runtime inited.")
	http.HandleFunc("/", handler)
	port := os.Getenv("FC_SERVER_PORT")
	if port == "" {
		port = "9000"
	}
	gr.ListenAndServe(":"+port, nil)
}
