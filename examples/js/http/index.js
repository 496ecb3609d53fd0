// An FC HTTP function in JavaScript, in the `(req, resp, context)` shape of FC's
// Node.js runtime: the seed documents' two examples on one function.
//
//   GET  /hello, POST /hello  "Hello FunctionCompute, http GET" / "... http POST"
//   anything else             the request's details, as in the seed's example
//
// Build and run:  fcwasm build examples/js/http && bootstrap --module examples/js/http/handler.wasm

exports.handler = (request, response, context) => {
  if (request.path === "/hello") {
    console.log(request.body.toString());
    response.setHeader("content-type", "text/plain");
    response.send(`Hello FunctionCompute, http ${request.method}`);
    return;
  }
  // get request header
  var reqHeader = request.headers;
  var headerStr = " ";
  for (var key in reqHeader) {
    headerStr += key + ":" + reqHeader[key] + "  ";
  }
  // get request info
  var url = request.url;
  var path = request.path;
  var queries = request.queries;
  var queryStr = "";
  for (var param in queries) {
    queryStr += param + "=" + queries[param] + "  ";
  }
  var method = request.method;
  var clientIP = request.clientIP;
  var body = request.body;
  var respBody = new Buffer(
    "requestHeader:" + headerStr + "\n" + "url: " + url + "\n" + "path: " + path + "\n" +
      "queries: " + queryStr + "\n" + "method: " + method + "\n" + "clientIP: " + clientIP +
      "\n" + "body: " + body + "\n" + "requestId: " + context.requestId + "\n",
  );
  response.setStatusCode(200);
  response.setHeader("content-type", "application/json");
  response.send(respBody);
};
