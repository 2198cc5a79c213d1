// Every page of the web UI. Datasette lists every column's description above a table, a
// screenful on the evidence table: fold the list away under one line that opens it.
document.querySelectorAll("dl.column-descriptions").forEach((list) => {
  const fold = document.createElement("details");
  fold.className = "column-help";
  const summary = document.createElement("summary");
  summary.textContent = "What each column means";
  list.replaceWith(fold);
  fold.append(summary, list);
});
