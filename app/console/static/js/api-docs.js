// Starts Swagger UI on /api/v1/docs (app/templates/swagger_ui.html) from the settings the page carries as
// JSON: the page CSP runs no inline script. A classic script, not a module, so it runs after the bundle.
(function start() {
  const config = JSON.parse(document.getElementById('swagger-ui-config').textContent);
  window.ui = window.SwaggerUIBundle(config);
}());
