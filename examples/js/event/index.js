// An FC event function in JavaScript, written as on FC's Node.js runtime.
//
// The event is a JSON object whose "action" picks what to show:
//   {"action": "context"}  the call's context, as FC's Node.js runtime gives it (with
//                          the role's credentials: a real function would not return them)
//   {"action": "count"}    a counter the initializer created, kept across calls
//   {"action": "fail"}     throws: FC's error response with errorType RangeError
//   {"action": "later"}    answers with a promise that a timer resolves
//   {"action": "env"}      the environment variable GREETING
// anything else is echoed back.
//
// Build and run:  fcwasm build examples/js/event && bootstrap --module examples/js/event/handler.wasm

let calls;

exports.initialize = (context, callback) => {
  calls = 0;
  console.log(`initialized for ${context.function.name}`);
  callback(null, "");
};

exports.handler = async (event, context) => {
  const action = actionOf(event);
  console.log("action %s", action);
  switch (action) {
    case "context":
      return context;
    case "count":
      calls += 1;
      return { calls };
    case "fail":
      throw new RangeError("the event asked to fail");
    case "later":
      return new Promise((resolve) => setTimeout(() => resolve("later"), 10));
    case "env":
      return process.env.GREETING ?? "";
    default:
      return event;
  }
};

function actionOf(event) {
  try {
    return JSON.parse(event.toString()).action;
  } catch {
    return undefined;
  }
}
