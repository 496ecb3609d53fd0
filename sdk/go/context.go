// Package gr is FC's Go runtime framework on bootstrap: `Start(handler, initialize)`
// for event functions, `ListenAndServe(addr, handler)` for net/http handlers, an
// FCContext and a logger, as in FC's documentation of Go custom runtimes.
package gr

import (
	"encoding/json"
	"time"

	"github.com/awesome-fc/golang-runtime/internal/bindings/fc_runtime_context"
	// The component's exports: they call what Start and ListenAndServe register.
	_ "github.com/awesome-fc/golang-runtime/internal/bindings/wit_exports"
)

// FCContext is the call's context: the request id, the role's credentials and the
// function's metadata (FC's `x-fc-*` headers). It marshals to the JSON shape of FC's
// runtimes.
type FCContext struct {
	RequestID   string       `json:"requestId"`
	Credentials Credentials  `json:"credentials"`
	Function    FunctionMeta `json:"function"`
	Service     ServiceMeta  `json:"service"`
	Region      string       `json:"region"`
	AccountID   string       `json:"accountId"`
	RetryCount  int          `json:"retryCount"`
	InstanceID  string       `json:"instanceId"`
	Tracing     Tracing      `json:"tracing"`

	host *fc_runtime_context.Context
}

// Credentials are the function's role's temporary credentials.
type Credentials struct {
	AccessKeyID     string `json:"accessKeyId"`
	AccessKeySecret string `json:"accessKeySecret"`
	SecurityToken   string `json:"securityToken"`
}

// FunctionMeta describes the function.
type FunctionMeta struct {
	Name                  string `json:"name"`
	Handler               string `json:"handler"`
	Memory                int    `json:"memory"`
	Timeout               int    `json:"timeout"`
	Initializer           string `json:"initializer"`
	InitializationTimeout int    `json:"initializationTimeout"`
}

// ServiceMeta describes the function's service (FC 2.0) and its log store.
type ServiceMeta struct {
	Name       string `json:"name"`
	LogProject string `json:"logProject"`
	LogStore   string `json:"logStore"`
	Qualifier  string `json:"qualifier"`
	VersionID  string `json:"versionId"`
}

// Tracing is FC's OpenTracing context of the call, empty when tracing is off.
type Tracing struct {
	OpenTracingSpanContext  string         `json:"openTracingSpanContext"`
	OpenTracingSpanBaggages map[string]any `json:"openTracingSpanBaggages"`
	JaegerEndpoint          string         `json:"jaegerEndpoint"`
}

// RemainingTime is how long the call may still run before the platform stops it;
// false when the call has no time limit or has ended.
func (ctx *FCContext) RemainingTime() (time.Duration, bool) {
	if ctx.host == nil {
		return 0, false
	}
	left := ctx.host.RemainingTimeMs()
	if left.IsNone() {
		return 0, false
	}
	return time.Duration(left.Some()) * time.Millisecond, true
}

// newContext reads the whole context from the host, in one crossing.
func newContext(host *fc_runtime_context.Context) *FCContext {
	f := host.Fields()
	return &FCContext{
		RequestID: f.RequestId,
		Credentials: Credentials{
			AccessKeyID:     f.Credentials.AccessKeyId,
			AccessKeySecret: f.Credentials.AccessKeySecret,
			SecurityToken:   f.Credentials.SecurityToken,
		},
		Function: FunctionMeta{
			Name:                  f.FunctionName,
			Handler:               f.FunctionHandler,
			Memory:                int(f.MemoryMb),
			Timeout:               int(f.TimeoutS),
			Initializer:           f.Initializer,
			InitializationTimeout: int(f.InitializationTimeoutS),
		},
		Service: ServiceMeta{
			Name:       f.ServiceName,
			LogProject: f.LogProject,
			LogStore:   f.LogStore,
			Qualifier:  f.Qualifier,
			VersionID:  f.VersionId,
		},
		Region:     f.Region,
		AccountID:  f.AccountId,
		RetryCount: int(f.RetryCount),
		InstanceID: f.InstanceId,
		Tracing: Tracing{
			OpenTracingSpanContext:  f.Tracing.SpanContext,
			OpenTracingSpanBaggages: baggages(f.Tracing.SpanBaggages),
			JaegerEndpoint:          f.Tracing.JaegerEndpoint,
		},
		host: host,
	}
}

// baggages parses the span baggages (a JSON object); anything else is empty.
func baggages(text string) map[string]any {
	values := map[string]any{}
	if text != "" {
		if err := json.Unmarshal([]byte(text), &values); err != nil {
			return map[string]any{}
		}
	}
	return values
}

// ended marks the call over: the host's context is no longer valid.
func (ctx *FCContext) ended() {
	ctx.host = nil
}
