// Starts Swagger UI (served by Encore from the swagger-ui-bundle package) on /openapi.json.
// A file rather than an inline script, so the page runs under Encore's CSP (script-src 'self').
window.SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [window.SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
