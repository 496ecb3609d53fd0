package gr

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/awesome-fc/golang-runtime/internal/bindings/fc_runtime_http_handler"
	"github.com/awesome-fc/golang-runtime/internal/bindings/fc_runtime_log"
	"github.com/awesome-fc/golang-runtime/internal/dispatch"
)

type contextKey struct{}

// ListenAndServe makes `handler` (http.DefaultServeMux when nil) the function's HTTP
// handler, as net/http's ListenAndServe would serve it; `addr` is not used: the
// platform's requests come through the component's export. Like a server's, it does
// not return to `main`.
func ListenAndServe(addr string, handler http.Handler) error {
	if handler == nil {
		handler = http.DefaultServeMux
	}
	dispatch.OnHTTP = func(host *dispatch.Context, request fc_runtime_http_handler.Request) (fc_runtime_http_handler.Response, *dispatch.Error) {
		writer := newResponseWriter()
		err := call(host, func(ctx *FCContext) error {
			req, cancel, err := newRequest(ctx, request)
			if err != nil {
				writer.badRequest(err)
				return nil
			}
			defer cancel()
			handler.ServeHTTP(writer, req)
			return nil
		})
		return writer.response(), err
	}
	handOver()
	return nil
}

// FromContext is the FCContext of the request whose context is `ctx`
// (`gr.FromContext(req.Context())`), nil outside a request.
func FromContext(ctx context.Context) *FCContext {
	fc, _ := ctx.Value(contextKey{}).(*FCContext)
	return fc
}

// newRequest is the request as net/http's server gives it to a handler. The
// platform's request id is in `X-Fc-Request-Id`, as FC sends it; the request's
// context carries the FCContext, ends when the handler returns, and has the call's
// deadline.
func newRequest(ctx *FCContext, request fc_runtime_http_handler.Request) (*http.Request, context.CancelFunc, error) {
	target, err := url.ParseRequestURI(request.Target)
	if err != nil {
		return nil, nil, err
	}
	header := parseHeaders(request.Headers)
	header.Set("X-Fc-Request-Id", ctx.RequestID)
	req := &http.Request{
		Method:        request.Method,
		URL:           target,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          io.NopCloser(bytes.NewReader(request.Body)),
		ContentLength: int64(len(request.Body)),
		Host:          header.Get("Host"),
		RemoteAddr:    net.JoinHostPort(request.ClientIp, "0"),
		RequestURI:    request.Target,
	}
	values := context.WithValue(context.Background(), contextKey{}, ctx)
	if left, ok := ctx.RemainingTime(); ok {
		scoped, cancel := context.WithTimeout(values, left)
		return req.WithContext(scoped), cancel, nil
	}
	scoped, cancel := context.WithCancel(values)
	return req.WithContext(scoped), cancel, nil
}

// parseHeaders reads the host's header block: a `name: value` line each.
func parseHeaders(block []byte) http.Header {
	header := http.Header{}
	for _, line := range strings.Split(string(block), "\n") {
		if name, value, ok := strings.Cut(line, ": "); ok {
			header.Add(name, value)
		}
	}
	return header
}

// responseWriter collects a handler's response.
type responseWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newResponseWriter() *responseWriter {
	return &responseWriter{header: http.Header{}}
}

func (w *responseWriter) Header() http.Header { return w.header }

// WriteHeader sets the status, as net/http's server does: the first final status
// wins; informational ones (1xx) are not sent (there is no connection to send them
// on before the answer); a code that is not three digits panics.
func (w *responseWriter) WriteHeader(status int) {
	if status < 100 || status > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", status))
	}
	if w.status == 0 && status >= 200 {
		w.status = status
	}
}

func (w *responseWriter) Write(data []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
		if w.header.Get("Content-Type") == "" {
			w.header.Set("Content-Type", http.DetectContentType(data))
		}
	}
	return w.body.Write(data)
}

// Flush is net/http's Flusher: the response is sent whole when the handler returns.
func (w *responseWriter) Flush() {}

func (w *responseWriter) badRequest(err error) {
	w.status = http.StatusBadRequest
	w.header.Set("Content-Type", "text/plain; charset=utf-8")
	w.body.WriteString("bad request target: " + err.Error())
}

// response is what the handler wrote, headers in a block as the contract has them.
func (w *responseWriter) response() fc_runtime_http_handler.Response {
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	names := make([]string, 0, len(w.header))
	for name := range w.header {
		names = append(names, name)
	}
	sort.Strings(names)
	var block strings.Builder
	for _, name := range names {
		if !validName(name) {
			fc_runtime_log.Log(fc_runtime_log.LevelWarn, fmt.Sprintf("the response header %q is not a valid name: it is not sent", name))
			continue
		}
		for _, value := range w.header[name] {
			block.WriteString(strings.ToLower(name) + ": " + sanitize(value) + "\n")
		}
	}
	return fc_runtime_http_handler.Response{
		Status:  uint16(status),
		Headers: []byte(block.String()),
		Body:    w.body.Bytes(),
	}
}

// validName is whether `name` is an HTTP token (RFC 9110), as a header name must be.
func validName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// sanitize keeps a header value on its line, as net/http's server does.
func sanitize(value string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(value)
}

