// The `context` argument, in the shape of FC's Node.js runtime: `requestId`,
// `credentials`, `function`, `service`, `region`, `accountId`, `retryCount`,
// `tracing`, plus `instanceId`, `logger` and `getRemainingTimeInMillis()`.

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

/**
 * The context of one call, read from the host in one crossing (`fields()`): a plain
 * object, so it stays valid after the call and `JSON.stringify(context)` shows it.
 */
export function contextOf(resource) {
  const f = resource.fields();
  const remaining = resource.remainingTimeMs();
  const deadline = remaining === undefined ? undefined : Date.now() + Number(remaining);
  const context = {
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
  Object.defineProperties(context, {
    logger: { value: logger, enumerable: false },
    getRemainingTimeInMillis: {
      // Milliseconds before the call's deadline; undefined when it has none.
      value: () => (deadline === undefined ? undefined : Math.max(0, deadline - Date.now())),
      enumerable: false,
    },
  });
  return context;
}
