// The polyfilled built-ins, resolved as the bundle resolves them (for the tests that
// compare them with Node's own).
import { Buffer } from "buffer";
import path from "path";
import * as querystring from "querystring";
import * as url from "url";
import util from "util";

export { Buffer, path, querystring, url, util };
