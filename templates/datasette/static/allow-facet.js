// Datasette's table page writes `DATASETTE_ALLOW_FACET = true;` into the page, which the
// Content-Security-Policy would not run: the value comes from this script's tag instead.
window.DATASETTE_ALLOW_FACET = document.currentScript.dataset.allowFacet === "true";
