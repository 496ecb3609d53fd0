// The `context` argument, in the shape of FC's Node.js runtime: `requestId`,
// `credentials`, `function`, `service`, `region`, `accountId`, `retryCount`,
// `tracing`, plus `instanceId`, `logger` and `getRemainingTimeInMillis()`.
//
// Only `requestId` is read when the call starts; the rest is read from the host in
// one crossing (`fields()`) the first time a handler uses it: in StarlingMonkey every
// crossing and every object costs, and most handlers read little of the context.

import { logger } from "./console.js";

function baggages(text) {
  if (!text) return {};
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

/** The context's fields in FC's Node.js shape, from the host's `fields` record. */
function shape(f) {
  return {
    requestId: f.requestId,
    credentials: {
      accessKeyId: f.credentials.accessKeyId,
      accessKeySecret: f.credentials.accessKeySecret,
      securityToken: f.credentials.securityToken,
    },
    function: {
      name: f.functionName,
      handler: f.functionHandler,
      memory: f.memoryMb,
      timeout: f.timeoutS,
      initializer: f.initializer,
      initializationTimeout: f.initializationTimeoutS,
    },
    service: {
      name: f.serviceName,
      logProject: f.logProject,
      logStore: f.logStore,
      qualifier: f.qualifier,
      versionId: f.versionId,
    },
    region: f.region,
    accountId: f.accountId,
    retryCount: f.retryCount,
    instanceId: f.instanceId,
    tracing: {
      openTracingSpanContext: f.tracing.spanContext,
      openTracingSpanBaggages: baggages(f.tracing.spanBaggages),
      jaegerEndpoint: f.tracing.jaegerEndpoint,
    },
  };
}

function closedError() {
  return new Error(
    "the context was used after its call ended: keep the values you need, not the context",
  );
}

/** The context of one call; valid while the call runs (what was read stays readable). */
export class Context {
  #resource;
  #fields;

  constructor(resource) {
    this.#resource = resource;
    /** `x-fc-request-id`. */
    this.requestId = resource.requestId();
  }

  #all() {
    if (this.#fields === undefined) {
      if (this.#resource === undefined) throw closedError();
      this.#fields = shape(this.#resource.fields());
    }
    return this.#fields;
  }

  /** Ends the context's call: the host's resource is gone. */
  close() {
    this.#resource = undefined;
  }

  get credentials() {
    return this.#all().credentials;
  }
  get function() {
    return this.#all().function;
  }
  get service() {
    return this.#all().service;
  }
  get region() {
    return this.#all().region;
  }
  get accountId() {
    return this.#all().accountId;
  }
  get retryCount() {
    return this.#all().retryCount;
  }
  get instanceId() {
    return this.#all().instanceId;
  }
  get tracing() {
    return this.#all().tracing;
  }
  get logger() {
    return logger;
  }

  /** Milliseconds before the call's deadline; undefined when it has none. */
  getRemainingTimeInMillis() {
    if (this.#resource === undefined) throw closedError();
    const remaining = this.#resource.remainingTimeMs();
    return remaining === undefined ? undefined : Number(remaining);
  }

  /** `JSON.stringify(context)` shows every field, as on FC. */
  toJSON() {
    return this.#all();
  }
}
