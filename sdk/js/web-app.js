// The web app a function's modules started, when they did: a Node.js `http`
// server that called `listen` (Express's and Koa's `app.listen`), which serves the
// function's HTTP calls. The entry asks for it after the modules have loaded.

let app;

/**
 * Records the app that serves HTTP calls: `serve(request, context)` answers one
 * `fc:runtime` request with a response record (or a promise of one). The first
 * one wins, as the platform calls one port; another is refused with a warning.
 */
export function registerApp(description, serve) {
  if (app !== undefined) {
    console.warn(`${description} is not served: ${app.description} serves this function's HTTP calls`);
    return false;
  }
  app = { description, serve };
  return true;
}

/** Forgets `serve` (its server closed). */
export function unregisterApp(serve) {
  if (app?.serve === serve) app = undefined;
}

/** The app that serves HTTP calls, if any module started one. */
export function registeredApp() {
  return app;
}
